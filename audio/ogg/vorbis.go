package ogg

import (
	"github.com/xdna-worker/xdna-worker/audio/vorbis"
)

// vorbisClock follows the packets of a Vorbis link as ffmpeg (5.1) times
// them, to drop the samples it drops. ffmpeg trims only the end of a link:
// on the last packet of the page with the EOS flag, by the amount its
// packet durations overshoot the page's granule position, counted from
// the granule of the page before, and only when that amount fits in the
// packet's output. It counts durations as its Vorbis parser does, which
// gives the first packet of a link (bs0 + n)/4 although the decoder
// yields nothing for it.
type vorbisClock struct {
	dec         *vorbis.Decoder
	short       int   // short block size
	prevBlock   int   // block size of the last audio packet, 0 before the first
	parserPrev  int   // the previous block size as ffmpeg's parser has it
	lastGranule int64 // granule of the last page on which a packet ended
	pageDur     int64 // parser durations of the packets since then
}

// newVorbisClock starts the clock of a link. Its first packet yields
// samples when silence is set (see vorbis.Decoder.OverlapSilence).
func newVorbisClock(dec *vorbis.Decoder, silence bool) vorbisClock {
	short, _ := dec.BlockSizes()
	c := vorbisClock{dec: dec, short: short, parserPrev: short}
	if silence {
		c.prevBlock = short
	}
	return c
}

// step accounts for the next packet, from its first bytes, and returns
// the number of samples decoding it yields and how many of them to drop
// from their end.
func (c *vorbisClock) step(lead []byte, granule int64, eos bool) (samples, dropEnd int) {
	size, prev := c.dec.PacketBlockSize(lead)
	dur := 0
	if size > 0 {
		if c.prevBlock > 0 {
			samples = (c.prevBlock + size) / 4
		}
		c.prevBlock = size
		if prev == 0 {
			prev = c.parserPrev
		}
		dur = (prev + size) / 4
		c.parserPrev = size
	}
	c.pageDur += int64(dur)
	if eos && granule >= 0 {
		if skip := c.lastGranule + c.pageDur - granule; skip > 0 && skip <= int64(samples) {
			dropEnd = int(skip)
		}
	}
	if granule >= 0 {
		c.lastGranule, c.pageDur = granule, 0
	}
	return samples, dropEnd
}

// resume sets the clock as it stands after a packet whose first bytes are
// lead, which ended on a page of the given granule.
func (c *vorbisClock) resume(lead []byte, granule int64) {
	size, _ := c.dec.PacketBlockSize(lead)
	c.prevBlock, c.parserPrev = size, size
	if size == 0 {
		c.prevBlock, c.parserPrev = c.short, c.short
	}
	c.lastGranule, c.pageDur = granule, 0
}

// vorbisLink decodes one link of a chained Vorbis stream.
type vorbisLink struct {
	dec   *vorbis.Decoder
	clock vorbisClock
}

// newVorbisLink makes the decoder of a link from its three header packets.
func newVorbisLink(ident, comment, setup []byte, silence bool) (*vorbisLink, error) {
	dec, err := vorbis.NewDecoder(ident, comment, setup)
	if err != nil {
		return nil, err
	}
	if silence {
		dec.OverlapSilence()
	}
	return &vorbisLink{dec: dec, clock: newVorbisClock(dec, silence)}, nil
}

func (l *vorbisLink) rate() int     { return l.dec.SampleRate() }
func (l *vorbisLink) channels() int { return l.dec.Channels() }

// decode decodes one packet and returns what of its samples ffmpeg keeps.
func (l *vorbisLink) decode(p Packet) ([][]float32, error) {
	_, drop := l.clock.step(p.Data, p.Granule, p.EOS)
	out, err := l.dec.Decode(p.Data)
	if err != nil {
		return nil, err
	}
	if drop > 0 && drop <= len(out[0]) {
		for c := range out {
			out[c] = out[c][:len(out[c])-drop]
		}
	}
	return out, nil
}

// frames returns the number of samples the link yields, given the
// packets of its first page and what the end of the file says, or -1.
func (l *vorbisLink) frames(first []Packet, ts tailScan) int64 {
	c := newVorbisClock(l.dec, false)
	var firstOut int64
	var firstGranule int64 = -1
	for _, p := range first {
		s, drop := c.step(p.Data, p.Granule, p.EOS)
		firstOut += int64(s - drop)
		firstGranule = p.Granule
	}
	last := first[len(first)-1]
	if last.EOS {
		// The whole link is on its first page.
		if ts.found && ts.seq == last.PageSeq && !ts.chained {
			return firstOut
		}
		return -1
	}
	if firstGranule < 0 || !ts.found || ts.chained || !ts.hasBefore || !ts.before.known || ts.before.granule < 0 {
		return -1
	}
	// Samples before the last page: its granule less the offset the
	// first page shows between granules and decoded samples.
	before := ts.before.granule - (firstGranule - firstOut)
	c.resume(ts.before.lead[:ts.before.n], ts.before.granule)
	total := before
	for _, p := range ts.final {
		if !p.known {
			return -1
		}
		s, drop := c.step(p.lead[:p.n], p.granule, ts.eos && p.granule >= 0)
		total += int64(s - drop)
	}
	return max(total, 0)
}
