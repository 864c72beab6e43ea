// Package audio opens a job's audio whatever its format: it recognises the
// container by its content (never by a file name or content type), hands
// it to the pure-Go decoder for it, and falls back to an external ffmpeg
// (package audio/ffmpeg) for what those do not decode.
//
// Decoders live in one sub-package per format: wav, flac, mp3, ogg (Vorbis
// and Opus), mkv (WebM/Matroska with Opus or Vorbis), mp4 (MP4/M4A with
// AAC) and aac (ADTS); pcm holds what they share.
package audio
