package mp4

import (
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/aac"
	"github.com/xdna-worker/xdna-worker/audio/mp3"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// frameDecoder decodes one access unit into planar samples, valid until
// the next call.
type frameDecoder interface {
	Decode(frame []byte) ([][]float32, error)
}

// codec is the decoder of a track's access units and what it outputs. It
// decodes them either one at a time (frames) or as one stream, the
// concatenation of the access units (stream, for MP3, whose frames carry
// their own headers).
type codec struct {
	name   string // for pcm.Info.Codec
	frames frameDecoder
	// stream opens a decoder of the stream and says how many frames each
	// access unit decodes to.
	stream func(io.Reader) (pcm.Decoder, int, error)
	rate   int
	layout pcm.Layout
	// frameLength is the number of frames every access unit decodes to.
	frameLength int
}

// newCodec returns the decoder of the codec a sample entry describes:
// AAC-LC, or MP3, in an mp4a entry. Every other codec is unsupported.
func newCodec(e sampleEntry) (*codec, error) {
	if e.format == formatMP3 {
		return &codec{name: "mp4/mp3", stream: openMP3}, nil
	}
	if e.format != formatMP4A {
		return nil, unsupported("%s audio is not decoded", codecName(e.format))
	}
	switch e.esds.objectType {
	case otiMPEG4Audio, otiMPEG2AACMain, otiMPEG2AACLC, otiMPEG2AACSSR:
	case otiMPEG1Audio, otiMPEG2Audio:
		return &codec{name: "mp4/mp3", stream: openMP3}, nil
	default:
		return nil, unsupported("%s audio is not decoded", objectTypeName(e.esds.objectType))
	}
	if len(e.esds.specific) == 0 {
		return nil, unsupported("AAC without an AudioSpecificConfig is not decoded")
	}
	cfg, err := aac.ParseConfig(e.esds.specific)
	if err != nil {
		return nil, fmt.Errorf("mp4: %w", err)
	}
	dec, err := aac.NewDecoder(cfg)
	if err != nil {
		return nil, fmt.Errorf("mp4: %w", err)
	}
	return &codec{name: "mp4/aac", frames: dec, rate: dec.SampleRate(), layout: dec.Layout(), frameLength: cfg.FrameLength}, nil
}

// openMP3 decodes the MPEG audio frames that r yields, one per access
// unit. ffmpeg decodes them as they come; a Xing or LAME header frame,
// which the MP3 decoder would take for a gapless header rather than audio,
// is left to it.
//
// A Layer III frame holds 1152 samples per channel in MPEG-1 (32 kHz and
// up) and 576 in MPEG-2 and 2.5.
func openMP3(r io.Reader) (pcm.Decoder, int, error) {
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return nil, 0, fmt.Errorf("mp4: %w", err)
	}
	if d.Info().Frames >= 0 {
		return nil, 0, unsupported("MP3 whose first access unit is a Xing, Info or VBRI header")
	}
	if d.Info().SampleRate >= 32000 {
		return d, 1152, nil
	}
	return d, 576, nil
}
