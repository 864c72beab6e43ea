package opus

import (
	"encoding/binary"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Head is the Opus identification header, the OpusHead packet of RFC 7845
// section 5.1. Ogg carries it as the first packet of an Opus stream,
// Matroska and WebM as the track's CodecPrivate.
type Head struct {
	// Version is the header version; its upper four bits (the major
	// version) are 0 for every version this package reads.
	Version int
	// Channels is the number of output channels.
	Channels int
	// PreSkip is the number of 48 kHz samples to discard from the start of
	// the decoded stream.
	PreSkip int
	// InputRate is the sample rate of the encoder's input, in Hz, or 0.
	// It is informational: Opus always decodes at 48 kHz here.
	InputRate uint32
	// OutputGain is the gain to apply to the decoded audio, in dB in Q7.8
	// (1/256 dB units). Decoder.Decode applies it.
	OutputGain int16
	// MappingFamily is the channel mapping family: 0 (mono or stereo), 1
	// (Vorbis channel order, up to 8 channels) or 255 (no defined
	// positions); ParseHead refuses the others.
	MappingFamily int
	// Streams is the number of Opus streams in each packet, and Coupled
	// how many of them (the first ones) are coupled stereo streams.
	Streams, Coupled int
	// Mapping gives, for each output channel, its decoded channel: below
	// 2*Coupled the left (even) or right (odd) channel of coupled stream
	// Mapping/2, below Streams+Coupled the uncoupled stream
	// Mapping-Coupled, and 255 for a silent channel. For family 0 it is
	// the implicit [0] or [0 1].
	Mapping []byte
}

// Limits of the header.
const (
	// headSize is the size of an OpusHead packet of family 0; other
	// families add 2 bytes and the mapping table.
	headSize = 19
	// MaxChannels is the largest channel count a Head may declare: the
	// limit every decoder of this module applies (pcm.MaxChannels).
	MaxChannels = pcm.MaxChannels
)

// ParseHead parses and validates an OpusHead packet. Headers that break RFC
// 7845 return an error wrapping pcm.ErrMalformed; a major version other than
// 0, a channel mapping family other than 0, 1 and 255 (2 and 3 are
// ambisonics, the others reserved), or more than MaxChannels channels or
// streams return one wrapping pcm.ErrUnsupported. Bytes after the fields it
// knows are ignored, as RFC 7845 requires.
func ParseHead(b []byte) (Head, error) {
	var h Head
	if len(b) < 8 || string(b[:8]) != "OpusHead" {
		return h, fmt.Errorf("opus: header does not start with \"OpusHead\": %w", pcm.ErrMalformed)
	}
	if len(b) < headSize {
		return h, fmt.Errorf("opus: OpusHead is %d bytes, need at least %d: %w", len(b), headSize, pcm.ErrMalformed)
	}
	h.Version = int(b[8])
	if h.Version>>4 != 0 {
		return h, fmt.Errorf("opus: OpusHead version %d.%d is not decoded (major version must be 0): %w",
			h.Version>>4, h.Version&15, pcm.ErrUnsupported)
	}
	h.Channels = int(b[9])
	h.PreSkip = int(binary.LittleEndian.Uint16(b[10:]))
	h.InputRate = binary.LittleEndian.Uint32(b[12:])
	h.OutputGain = int16(binary.LittleEndian.Uint16(b[16:]))
	h.MappingFamily = int(b[18])
	if h.Channels == 0 {
		return h, fmt.Errorf("opus: OpusHead declares 0 channels: %w", pcm.ErrMalformed)
	}
	switch h.MappingFamily {
	case 0:
		if h.Channels > 2 {
			return h, fmt.Errorf("opus: channel mapping family 0 with %d channels (at most 2): %w", h.Channels, pcm.ErrMalformed)
		}
		h.Streams, h.Coupled = 1, h.Channels-1
		h.Mapping = []byte{0, 1}[:h.Channels]
		return h, h.validate()
	case 1, 255:
	default:
		return h, fmt.Errorf("opus: channel mapping family %d is not decoded (only 0, 1 and 255): %w", h.MappingFamily, pcm.ErrUnsupported)
	}
	if len(b) < headSize+2+h.Channels {
		return h, fmt.Errorf("opus: OpusHead of family %d with %d channels is %d bytes, need %d: %w",
			h.MappingFamily, h.Channels, len(b), headSize+2+h.Channels, pcm.ErrMalformed)
	}
	h.Streams, h.Coupled = int(b[19]), int(b[20])
	h.Mapping = make([]byte, h.Channels)
	copy(h.Mapping, b[21:])
	return h, h.validate()
}

// validate checks the fields of h as ParseHead does.
func (h *Head) validate() error {
	if h.Version>>4 != 0 {
		return fmt.Errorf("opus: OpusHead version %d.%d is not decoded (major version must be 0): %w",
			h.Version>>4, h.Version&15, pcm.ErrUnsupported)
	}
	if h.Channels <= 0 {
		return fmt.Errorf("opus: OpusHead declares %d channels: %w", h.Channels, pcm.ErrMalformed)
	}
	switch h.MappingFamily {
	case 0:
		if h.Channels > 2 {
			return fmt.Errorf("opus: channel mapping family 0 with %d channels (at most 2): %w", h.Channels, pcm.ErrMalformed)
		}
		if h.Streams != 1 || h.Coupled != h.Channels-1 {
			return fmt.Errorf("opus: channel mapping family 0 with %d streams, %d coupled: %w", h.Streams, h.Coupled, pcm.ErrMalformed)
		}
	case 1, 255:
	default:
		return fmt.Errorf("opus: channel mapping family %d is not decoded (only 0, 1 and 255): %w", h.MappingFamily, pcm.ErrUnsupported)
	}
	switch {
	case h.MappingFamily == 1 && h.Channels > 8:
		return fmt.Errorf("opus: channel mapping family 1 with %d channels (at most 8): %w", h.Channels, pcm.ErrMalformed)
	case h.Streams <= 0:
		return fmt.Errorf("opus: OpusHead declares %d streams: %w", h.Streams, pcm.ErrMalformed)
	case h.Coupled < 0 || h.Coupled > h.Streams:
		return fmt.Errorf("opus: OpusHead declares %d coupled streams out of %d: %w", h.Coupled, h.Streams, pcm.ErrMalformed)
	case h.Streams+h.Coupled > 255:
		return fmt.Errorf("opus: %d streams and %d coupled streams make more than 255 decoded channels: %w", h.Streams, h.Coupled, pcm.ErrMalformed)
	case h.Channels > MaxChannels:
		return fmt.Errorf("opus: %d channels, at most %d are supported: %w", h.Channels, MaxChannels, pcm.ErrUnsupported)
	case h.Streams > MaxChannels:
		// A stream decodes at least one channel; more streams than output
		// channels decode channels nobody hears, and only cost memory.
		return fmt.Errorf("opus: %d streams, at most %d are supported: %w", h.Streams, MaxChannels, pcm.ErrUnsupported)
	}
	if len(h.Mapping) != h.Channels {
		return fmt.Errorf("opus: mapping of %d channels for %d: %w", len(h.Mapping), h.Channels, pcm.ErrMalformed)
	}
	for c, m := range h.Mapping {
		if m != 255 && int(m) >= h.Streams+h.Coupled {
			return fmt.Errorf("opus: channel %d maps to decoded channel %d of %d: %w", c, m, h.Streams+h.Coupled, pcm.ErrMalformed)
		}
	}
	return nil
}
