// Package flac decodes native FLAC streams (RFC 9639): the "fLaC" marker,
// optionally preceded by ID3v2 tags, metadata blocks and audio frames of 1
// to 8 channels and 4 to 32 bits per sample, with fixed or variable block
// sizes.
//
// NewDecoder reads the metadata and returns a Decoder, a pcm.Decoder that
// decodes one frame per call to Next through a fixed buffer. Every frame's
// header CRC-8 and CRC-16 are checked, so corrupt audio is reported (an
// error wrapping pcm.ErrMalformed), never returned. With the CheckMD5
// option a complete stream whose audio does not match its STREAMINFO MD5
// signature is reported too (ErrMD5Mismatch); as in ffmpeg, that check is
// off by default. The output is bit-exact with ffmpeg's and libFLAC's
// decoders: each sample is returned as float32(sample) / 2^(bits-1), exact
// up to 24 bits, and Decoder.Samples gives the integers themselves.
//
// Where the specification leaves a choice, the package does what ffmpeg
// 5.1 does: the channel layout is ffmpeg's (including the
// WAVEFORMATEXTENSIBLE_CHANNEL_MASK Vorbis comment), a stream may end after
// any whole frame (as a file trimmed with "ffmpeg -c copy" does), and an
// ID3v1 tag after the last frame is ignored.
package flac
