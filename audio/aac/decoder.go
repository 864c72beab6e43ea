package aac

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Decoder decodes the raw_data_blocks of one AAC-LC stream. It keeps the
// overlap of each channel from one frame to the next, so the blocks of a
// stream must be decoded in order. It is not safe for concurrent use.
type Decoder struct {
	cfg    Config
	layout pcm.Layout
	// slots maps the syntactic elements of a frame to output channels.
	slots []slot
	// chans holds the state of each output channel.
	chans []*channel
	// out is the planar output of the last frame; it aliases chans' buffers.
	out [][]float32
	// seen marks the slots filled by the frame being decoded.
	seen []bool
	// pair is scratch space for the two channel streams of a CPE.
	pair [2]icStream
	// msUsed is the M/S mask of the pair being decoded, per band.
	msUsed [maxBands]bool
	// used records the coding tools the stream has used.
	used tool
	// noise is the state of the generator of PNS noise.
	noise uint32
	// swb is the scale factor band tables of the sampling index.
	swb *bandTables
	// tables are the codebooks, windows and transforms all decoders share.
	tables *decoderTables
}

// slot is where one syntactic element of a frame goes: its type, its
// instance tag (-1 to match any), and the output channel of its first
// channel.
type slot struct {
	typ     elementType
	tag     int
	channel int
}

// NewDecoder returns a decoder of the stream c describes. A Config may come
// from ParseConfig or be filled in by hand (ObjectType 2, FrameLength 1024,
// SampleRate, SamplingIndex, Channels and ChannelConfig 1–7); a config the
// decoder does not handle gives an error wrapping pcm.ErrUnsupported, an
// inconsistent one an error wrapping pcm.ErrMalformed.
func NewDecoder(c Config) (*Decoder, error) {
	switch {
	case c.ObjectType == objectSBR || c.ObjectType == objectPS:
		return nil, fmt.Errorf("aac: HE-AAC (object type %d): %w", c.ObjectType, pcm.ErrUnsupported)
	case c.ObjectType != objectLC:
		return nil, objectTypeError(c.ObjectType)
	case c.FrameLength != frameLength:
		return nil, fmt.Errorf("aac: frames of %d samples: %w", c.FrameLength, pcm.ErrUnsupported)
	case c.SamplingIndex < 0 || c.SamplingIndex >= len(sampleRates):
		return nil, fmt.Errorf("aac: sampling frequency index %d: %w", c.SamplingIndex, pcm.ErrMalformed)
	case c.SampleRate < pcm.MinSampleRate || c.SampleRate > pcm.MaxSampleRate:
		return nil, fmt.Errorf("aac: sample rate of %d Hz is out of range: %w", c.SampleRate, pcm.ErrMalformed)
	}
	d := &Decoder{cfg: c, noise: pnsSeed}
	switch {
	case c.ChannelConfig == 0 && c.program != nil:
		for _, e := range c.program.elements {
			d.slots = append(d.slots, slot{typ: e.typ, tag: e.tag, channel: len(d.layout)})
			d.layout = append(d.layout, e.positions[:e.typ.channels()]...)
		}
	case c.ChannelConfig >= 1 && c.ChannelConfig < len(configLayouts):
		ch := 0
		for _, t := range configElements[c.ChannelConfig] {
			d.slots = append(d.slots, slot{typ: t, tag: -1, channel: ch})
			ch += t.channels()
		}
		d.layout = append(d.layout, configLayouts[c.ChannelConfig]...)
	case c.ChannelConfig == 0:
		return nil, fmt.Errorf("aac: channel configuration 0 without a program config element: %w", pcm.ErrUnsupported)
	default:
		return nil, fmt.Errorf("aac: channel configuration %d: %w", c.ChannelConfig, pcm.ErrUnsupported)
	}
	if c.Channels != len(d.layout) {
		return nil, fmt.Errorf("aac: %d channels declared for channel configuration %d of %d channels: %w",
			c.Channels, c.ChannelConfig, len(d.layout), pcm.ErrMalformed)
	}
	d.swb = &bandTablesByIndex[c.SamplingIndex]
	d.tables = sharedTables()
	d.seen = make([]bool, len(d.slots))
	d.chans = make([]*channel, len(d.layout))
	d.out = make([][]float32, len(d.layout))
	for i := range d.chans {
		d.chans[i] = &channel{}
		d.out[i] = d.chans[i].out[:]
	}
	return d, nil
}

// Layout returns the speaker position of each channel Decode returns, in
// order: the channels of the stream's syntactic elements as they come.
func (d *Decoder) Layout() pcm.Layout { return append(pcm.Layout(nil), d.layout...) }

// SampleRate returns the output rate in Hz.
func (d *Decoder) SampleRate() int { return d.cfg.SampleRate }

// Channels returns the number of output channels.
func (d *Decoder) Channels() int { return len(d.layout) }

// Decode decodes one raw_data_block and returns 1024 samples of each
// channel, planar, valid until the next call. Bytes after the block's END
// element are ignored. A block that breaks the syntax gives an error
// wrapping pcm.ErrMalformed; one that needs a tool the decoder lacks (SBR,
// coupling) an error wrapping pcm.ErrUnsupported. After an error the
// decoder may be used for the next block; the channels' overlap is then
// that of the last good block.
func (d *Decoder) Decode(frame []byte) ([][]float32, error) {
	b := newBitReader(frame)
	if err := d.decodeBlock(&b); err != nil {
		return nil, err
	}
	return d.out, nil
}
