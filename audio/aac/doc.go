// Package aac decodes MPEG-4 AAC-LC (ISO/IEC 14496-3 subpart 4, General
// Audio; also MPEG-2 AAC LC of ISO/IEC 13818-7) to planar float32 samples,
// in Go without cgo.
//
// Containers hand the decoder an AudioSpecificConfig (ParseConfig) and then
// one raw_data_block at a time (Decoder.Decode); raw .aac files carry their
// frames in ADTS headers, which NewADTSDecoder reads as a pcm.Decoder.
//
// Only the Low Complexity profile is decoded. Main, SSR and LTP profiles,
// HE-AAC (SBR, signalled explicitly or implicitly) and HE-AACv2 (PS), the
// error-resilient and low-delay object types, 960-sample frames and
// coupling channel elements are refused with errors wrapping
// pcm.ErrUnsupported, so that the caller can fall back to ffmpeg. Bytes
// that break the format's rules give errors wrapping pcm.ErrMalformed.
//
// The output follows the specification's reference decoder and matches
// ffmpeg's floating-point AAC decoder (full scale is ±1). Where the two
// differ, the decoder follows ffmpeg, whose encoder is the one known to
// use the tools concerned: intensity stereo under an all-bands M/S mask
// is phase-inverted, and the bands a channel pair codes as noise under
// the M/S mask get independent noise, not the same noise.
//
// Perceptual noise substitution fills bands with noise from a fixed
// linear congruential generator. The specification defines only the
// energy of such bands, so they are not comparable sample by sample with
// other decoders; the generator and its seed are those of ffmpeg, whose
// output the noise therefore matches.
//
// Raw .aac files (ADTS) are decoded as ffmpeg decodes them: no encoder
// delay is removed, and every frame yields 1024 samples per channel.
//
// The decoder is Go; on amd64 the filter bank's FFT, rotations and
// windowing run in SSE assembly, whose Go versions the purego build tag
// selects.
package aac
