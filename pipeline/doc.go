// Package pipeline turns a job's audio into Whisper encoder input and runs
// the windows through the device and the text decoder.
//
// The signal-processing front end is streaming and allocation-conscious:
//
//   - WAVReader parses RIFF/WAVE (and RF64) headers and decodes PCM, IEEE
//     float, A-law and mu-law samples, mixed down to mono float32 in [-1, 1].
//   - Resampler converts any sample rate to 16 kHz with a Kaiser-windowed sinc
//     polyphase filter; its output does not depend on how input is chunked.
//   - Decoder combines the two: bytes in, 16 kHz mono float32 out.
//   - Mel computes Whisper's log-mel spectrogram of one 30 s window, exactly
//     as openai/whisper audio.py defines it, split across GOMAXPROCS
//     goroutines.
//
// Malformed audio yields errors with job.CodeAudioDecode; audio in another
// format (MP3, Ogg, FLAC, MP4, ...) or a WAV codec that is not decoded yields
// job.CodeUnsupportedFormat. I/O errors of the underlying reader are
// returned wrapped, without a job code, so that callers can tell a broken
// file from a broken connection.
package pipeline
