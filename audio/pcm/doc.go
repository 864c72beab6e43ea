// Package pcm is decoded audio as every codec of xdna-worker hands it out:
// blocks of planar float32 samples, the speaker position of each channel,
// and the down-mix to mono that ffmpeg applies.
//
// A codec package (audio/flac, audio/mp3, audio/vorbis, ...) returns a
// Decoder; Mono turns any Decoder into one channel the way
// `ffmpeg -ac 1` does, which is how OpenAI's Whisper prepares its audio.
//
// Errors a codec returns for bad bytes wrap ErrMalformed (the job's
// audio_decode) or ErrUnsupported (unsupported_format: a real format or
// codec feature that the pure-Go decoders do not handle). Errors of the
// underlying reader are passed through wrapped, so a broken file can be told
// from a broken disk.
package pcm
