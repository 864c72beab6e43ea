package opus

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Decoder decodes the packets of one Opus stream, of any supported
// channel mapping family, to planar float32 samples at 48 kHz (libopus's
// multistream decoder, which also serves family 0). It keeps the state
// that carries from packet to packet, so packets must be given in stream
// order. Its memory is fixed when it is made: at most 64 output channels
// of 120 ms. It is not safe for concurrent use.
type Decoder struct {
	head    Head
	streams []*streamDecoder
	buf     []float32   // one stream's interleaved output
	out     [][]float32 // planar output, MaxPacketSamples per channel
	res     [][]float32 // what Decode returns: out cut to the packet
}

// NewDecoder returns a decoder for the stream h describes (as ParseHead
// returned it; other values are checked the same way, with the errors of
// ParseHead).
func NewDecoder(h Head) (*Decoder, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	d := &Decoder{head: h}
	d.head.Mapping = append([]byte(nil), h.Mapping...)
	work := new(scratch)
	for s := 0; s < h.Streams; s++ {
		ch := 1
		if s < h.Coupled {
			ch = 2
		}
		d.streams = append(d.streams, newStreamDecoder(ch, int(h.OutputGain), work))
	}
	d.buf = make([]float32, 2*MaxPacketSamples)
	d.out = make([][]float32, h.Channels)
	for c := range d.out {
		d.out[c] = make([]float32, MaxPacketSamples)
	}
	d.res = make([][]float32, h.Channels)
	return d, nil
}

// Channels is the number of output channels.
func (d *Decoder) Channels() int { return d.head.Channels }

// Layout is the speaker position of each output channel: mono or stereo for
// family 0, the Vorbis order for family 1 and Unknown for family 255.
func (d *Decoder) Layout() pcm.Layout {
	switch d.head.MappingFamily {
	case 0:
		if d.head.Channels == 1 {
			return pcm.Layout{pcm.FrontCenter}
		}
		return pcm.Layout{pcm.FrontLeft, pcm.FrontRight}
	case 1:
		return pcm.VorbisLayout(d.head.Channels)
	}
	l := make(pcm.Layout, d.head.Channels)
	for i := range l {
		l[i] = pcm.Unknown
	}
	return l
}

// Reset puts the decoder back in its initial state, as after NewDecoder
// (for a seek).
func (d *Decoder) Reset() {
	for _, st := range d.streams {
		st.reset()
	}
}

// Decode decodes one packet (all its streams) and returns one slice of
// samples at 48 kHz per output channel, with the header's output gain
// applied. The slices stay valid until the next call.
//
// A packet that breaks the framing rules of RFC 6716 section 3.4 (or the
// multistream rules of RFC 7845 section 5.1.1) returns an error wrapping
// pcm.ErrMalformed; so does a frame the decoder cannot finish. An empty
// packet breaks rule R1: ffmpeg 5.1 stops with "Invalid data" on one in an
// Ogg file, and so does Decode. A packet of only a TOC byte (DTX) is valid
// and decodes to concealment and comfort noise. Opus has no checksum:
// corrupt bytes that still parse decode to whatever they decode to.
func (d *Decoder) Decode(packet []byte) ([][]float32, error) {
	nStreams := len(d.streams)
	if len(packet) == 0 {
		return nil, invalidPacket("empty packet (RFC 6716 R1)")
	}
	if len(packet) < 2*nStreams-1 {
		return nil, invalidPacket("multistream packet of %d bytes for %d streams", len(packet), nStreams)
	}
	frameSize, err := validateMultistream(packet, nStreams)
	if err != nil {
		return nil, err
	}
	data := packet
	for s, st := range d.streams {
		n, used, err := st.decode(data, d.buf, frameSize, s != nStreams-1)
		if err != nil {
			if nStreams > 1 {
				return nil, fmt.Errorf("%w (stream %d)", err, s)
			}
			return nil, err
		}
		data = data[used:]
		frameSize = n
		d.copyStream(s, st.channels, n)
	}
	for c, m := range d.head.Mapping {
		if m == 255 {
			clear(d.out[c][:frameSize])
		}
	}
	return d.planar(frameSize), nil
}

// validateMultistream checks the framing of every stream of a packet and
// that they all have the same duration, which it returns
// (opus_multistream_packet_validate).
func validateMultistream(data []byte, nStreams int) (int, error) {
	samples := 0
	var p parsedPacket
	for s := 0; s < nStreams; s++ {
		if len(data) == 0 {
			return 0, invalidPacket("multistream packet ends before stream %d", s)
		}
		if err := parsePacket(data, s != nStreams-1, &p); err != nil {
			if nStreams > 1 {
				return 0, fmt.Errorf("%w (stream %d)", err, s)
			}
			return 0, err
		}
		n := p.count * tocFrameSamples(p.toc)
		if s != 0 && n != samples {
			return 0, invalidPacket("streams of %d and %d samples in one packet", samples, n)
		}
		samples = n
		data = data[p.length:]
	}
	return samples, nil
}

// copyStream copies the n decoded samples of stream s to the output
// channels mapped to it.
func (d *Decoder) copyStream(s, channels, n int) {
	coupled := d.head.Coupled
	for c, m := range d.head.Mapping {
		src := -1
		switch {
		case m == 255:
		case s < coupled && int(m) == 2*s:
			src = 0
		case s < coupled && int(m) == 2*s+1:
			src = 1
		case s >= coupled && int(m) == s+coupled:
			src = 0
		}
		if src < 0 {
			continue
		}
		out := d.out[c][:n]
		for i := range out {
			out[i] = d.buf[i*channels+src]
		}
	}
}

// planar returns the output slices cut to n samples.
func (d *Decoder) planar(n int) [][]float32 {
	for c := range d.out {
		d.res[c] = d.out[c][:n]
	}
	return d.res
}

// FinalRange returns the final state of the range decoder after the last
// packet, XORed over the streams (libopus OPUS_GET_FINAL_RANGE). An
// encoder reports the same value for each packet it writes (opusenc
// --save-range), so comparing the two checks that every symbol was read
// as written.
func (d *Decoder) FinalRange() uint32 {
	var r uint32
	for _, st := range d.streams {
		r ^= st.rangeFinal
	}
	return r
}
