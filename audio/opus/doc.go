// Package opus decodes Opus audio (RFC 6716 with the RFC 8251 updates) to
// planar float32 samples at 48 kHz, in pure Go.
//
// It is a port of the reference decoder, libopus 1.3.1 (BSD licence), the
// version Debian 12's ffmpeg decodes with: the range decoder; SILK
// (narrow-, medium- and wideband, 10 to 60 ms frames, stereo prediction,
// LBRR frames skipped, the libopus resampler to 48 kHz, concealment and
// comfort noise for DTX frames); CELT (2.5 to 20 ms frames, the float
// build, with the summation order of its x86-64 kernels and its stored
// trigonometric tables); Hybrid mode; the packet framing of RFC 6716
// section 3; redundant CELT frames and the smoothing libopus applies across
// mode transitions; and multistream packets (channel mapping families 0, 1
// and 255 of RFC 7845). Its output is bit-exact with libopus's.
//
// Like libopus when it decodes to 16-bit samples (which is how ffmpeg runs
// it), Decode soft-clips its output: samples beyond ±1 are bent back into
// range by a smooth curve rather than clipped.
//
// ParseHead reads the OpusHead packet an Ogg or Matroska container carries;
// NewDecoder makes a Decoder for it, and Decoder.Decode turns each packet
// into samples. Pre-skip and end trimming are the container's job.
package opus
