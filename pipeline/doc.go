// Package pipeline turns a job's audio into Whisper encoder input and runs
// the windows through the device and the text decoder.
//
// The signal-processing front end is streaming and allocation-conscious:
//
//   - Decoder (OpenAudio) takes a file in any format package audio
//     recognises, mixes it down to mono as ffmpeg's `-ac 1` does and
//     resamples it: bytes in, 16 kHz mono float32 out.
//   - Resampler converts any sample rate to 16 kHz with a Kaiser-windowed sinc
//     polyphase filter; its output does not depend on how input is chunked.
//   - Mel computes Whisper's log-mel spectrogram of one 30 s window, exactly
//     as openai/whisper audio.py defines it, split across GOMAXPROCS
//     goroutines.
//
// Malformed audio yields errors with job.CodeAudioDecode; a format or codec
// that neither a built-in decoder nor the worker's ffmpeg decodes yields
// job.CodeUnsupportedFormat. I/O errors of the underlying reader are
// returned wrapped, without a job code, so that callers can tell a broken
// file from a broken connection.
package pipeline
