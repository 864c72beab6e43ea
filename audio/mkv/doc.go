// Package mkv decodes the audio of Matroska and WebM files: the first audio
// track, when it holds Opus or Vorbis, which is what browsers'
// MediaRecorder (Chrome and Firefox), ffmpeg and mkvmerge write.
//
// NewDecoder reads the EBML header (RFC 8794), the Segment's Info and
// Tracks (RFC 9559), and then streams the blocks of the chosen track out of
// the Clusters, one frame at a time, through the codec packages audio/opus
// and audio/vorbis. Files written live, with an unknown-size Segment and
// unknown-size Clusters, are read the same way: such a Cluster ends where
// an element that can only be its sibling or parent starts. Lacing of every
// kind (Xiph, fixed-size and EBML) is undone. SeekHead, Cues, Tags,
// Attachments, Chapters, Void and CRC-32 elements are skipped by seeking
// forward; a SeekHead is read only to find a Tracks element that comes
// after the first Cluster.
//
// The output has the length ffmpeg 5.1 gives, to the sample (see trim.go):
// Opus's pre-skip comes from the OpusHead in CodecPrivate (ffmpeg ignores
// the track's CodecDelay), and a block's DiscardPadding trims the end of
// each frame of the block (or, when negative, its start) as ffmpeg's
// generic skip-samples handling does.
//
// Other codecs (AAC, FLAC, MP3, PCM, ...), compressed or encrypted tracks,
// and headers beyond this package's limits return errors wrapping
// pcm.ErrUnsupported; files that break the format's rules, or are
// truncated, return errors wrapping pcm.ErrMalformed.
package mkv
