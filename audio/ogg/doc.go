// Package ogg reads the Ogg container (RFC 3533): pages, the packets they
// carry, and whole Ogg files of Vorbis or Opus audio.
//
// NewReader splits any Ogg stream into packets, checking every page's
// capture pattern, version, flags, sequence and CRC, with pages of several
// logical streams interleaved. NewDecoder decodes the first Vorbis or Opus
// stream of a file to planar float32 blocks, trimming the start and end by
// granule position as ffmpeg's Ogg demuxer does.
//
// Errors for bad bytes wrap pcm.ErrMalformed; real features that are not
// decoded wrap pcm.ErrUnsupported; errors of the underlying reader are
// passed through wrapped.
package ogg
