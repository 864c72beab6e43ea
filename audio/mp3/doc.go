// Package mp3 decodes MP3: MPEG-1, MPEG-2 and MPEG-2.5 audio, Layer III
// (ISO/IEC 11172-3 and 13818-3), in Go without cgo, to planar float32
// samples.
//
// It follows ffmpeg's floating-point decoder (mp3float), which xdna-worker
// falls back to for what it does not decode, to the sample count and within
// float rounding of the samples:
//
//   - With a LAME (or Lavf/Lavc) tag in the Xing/Info frame, the encoder
//     delay plus 529 samples are dropped at the start, and the padding less
//     529 at the end of the frames the Xing header counts; samples of frames
//     beyond that count are kept. Without one, nothing is dropped.
//   - The Xing/Info or VBRI frame is not audio, and gives Info.Frames; it is
//     only looked for where the audio starts (after junk, ffmpeg decodes it
//     as a silent frame, and so does this package).
//   - A frame whose main_data_begin reaches before the data held from
//     earlier frames (a stream cut mid-way) decodes the granules that start
//     in the missing data as silence.
//   - At 24 kHz the long-block band boundary between bands 17 and 18 is at
//     line 330 (ffmpeg's table) rather than 332.
//
// ID3v2 tags (at the start and between frames), APEv2, Lyrics3 and ID3v1
// tags, and junk of up to 64 KiB before the first frame or between frames
// are skipped. The CRC of protected frames is not checked (ffmpeg does not
// check it by default either). Layer I and II streams and free-format
// bitrates yield errors wrapping pcm.ErrUnsupported; input that breaks the
// format's rules, including a last frame cut short, yields errors wrapping
// pcm.ErrMalformed.
//
// The decoder is Go; on amd64 the synthesis filterbank's DCT and windowing
// run in SSE assembly, whose Go versions the purego build tag selects.
package mp3
