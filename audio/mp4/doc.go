// Package mp4 decodes the audio of ISO base media files (ISO/IEC 14496-12):
// MP4, M4A, 3GP and QuickTime MOV, as phones, meeting recorders and
// browsers' MediaRecorder write them, whether the movie box comes before
// or after the media data, and whether the samples are described by the
// movie's sample tables or by movie fragments.
//
// NewDecoder picks the first sound track that has samples and decodes its
// AAC-LC access units with audio/aac, or its MP3 frames with audio/mp3.
// Other codecs (Opus, FLAC, ALAC, AC-3, AMR, PCM, HE-AAC, MP2 …) give an
// error wrapping pcm.ErrUnsupported that names them, so that the caller
// can hand the file to ffmpeg.
//
// The decoder streams: it never loads a sample table. It reads the tables
// and the sample data through small fixed windows over the file, seeking
// as needed, so memory stays bounded by constants whatever the length of
// the file or what its headers claim.
//
// Its output is ffmpeg's (5.1): the first edit of the edit list gives the
// start of the audio (the encoder's priming samples are dropped, 1024 for
// ffmpeg's encoder and 2112 for Apple's), and decoding stops after the
// access unit in which the edit ends, whose samples are all kept, as
// ffmpeg keeps them. Fragmented files are decoded whole, ignoring the edit
// list, as ffmpeg does.
package mp4
