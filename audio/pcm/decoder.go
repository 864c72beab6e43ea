package pcm

import "time"

// Limits every decoder enforces, so that no header can make a job allocate
// without bound.
const (
	// MaxChannels is the largest channel count a decoder accepts.
	MaxChannels = 64
	// MinSampleRate and MaxSampleRate bound the sample rates accepted, in Hz.
	MinSampleRate = 1000
	MaxSampleRate = 384000
	// MaxBlockFrames is the largest block a decoder returns from Next, in
	// frames per channel (FLAC's largest block size).
	MaxBlockFrames = 65535
)

// Info describes the stream a Decoder yields.
type Info struct {
	// Codec names the container and codec, e.g. "wav/pcm", "flac",
	// "mp3", "ogg/vorbis", "webm/opus", "mp4/aac". It is for logs and
	// error messages.
	Codec string
	// SampleRate is in frames per second.
	SampleRate int
	// Layout gives the speaker position of each channel, in the order Next
	// returns them; len(Layout) is the channel count.
	Layout Layout
	// Frames is the number of frames the stream holds once encoder delay
	// and padding are removed, as the container declares it, or -1 when it
	// does not (or the declaration cannot be trusted). It is a hint for
	// early limits; decoders never rely on it to size buffers.
	Frames int64
}

// Channels is the number of channels.
func (i Info) Channels() int { return len(i.Layout) }

// Duration is Frames at SampleRate, and false when Frames is unknown.
func (i Info) Duration() (time.Duration, bool) {
	if i.Frames < 0 || i.SampleRate <= 0 {
		return 0, false
	}
	r := int64(i.SampleRate)
	return time.Duration(i.Frames/r)*time.Second + time.Duration(i.Frames%r*int64(time.Second)/r), true
}

// A Decoder yields the decoded audio of one stream, block by block. It
// reads its input sequentially and holds at most a few blocks in memory,
// whatever the length of the stream. It is not safe for concurrent use.
type Decoder interface {
	// Info describes the stream. It is valid as soon as the decoder is
	// made and does not change.
	Info() Info
	// Next decodes the next block and returns one slice per channel, all
	// of the same length (at most MaxBlockFrames; it may be 0). Samples are
	// nominally in [-1, 1]. The slices stay valid until the next call. At
	// the end of the stream Next returns nil, io.EOF; a stream that breaks
	// off returns an error wrapping ErrMalformed.
	Next() ([][]float32, error)
}
