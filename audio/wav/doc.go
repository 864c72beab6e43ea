// Package wav decodes RIFF/WAVE files (and RF64/BW64, their 64-bit form):
// linear PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64 bits, G.711
// A-law and mu-law, plain or WAVE_FORMAT_EXTENSIBLE with its channel mask.
// It also writes the 16-bit mono files the tests and the demo use.
//
// Decoding streams through one fixed buffer: memory does not depend on the
// file's length or on what its header claims.
package wav
