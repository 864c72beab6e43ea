package ogg

import (
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// opusRate is the rate Opus always decodes at here.
const opusRate = 48000

// opusClock follows the packets of an Opus link as ffmpeg (5.1) and RFC
// 7845 time them: the first PreSkip samples are dropped, and every packet
// ending on the page with the EOS flag is cut where the packet durations,
// counted from the granule of the page before, pass that page's granule
// position.
type opusClock struct {
	toSkip      int   // pre-skip samples not yet dropped
	lastGranule int64 // granule of the last page on which a packet ended
	pageDur     int64 // durations of the packets since then
}

// step accounts for the next packet, from its first bytes, and returns
// the number of samples decoding it yields and how many of them to drop
// from their start and from their end.
func (c *opusClock) step(lead []byte, granule int64, lastPage bool) (samples, dropStart, dropEnd int) {
	samples = opus.PacketSamples(lead)
	c.pageDur += int64(samples)
	dropStart = min(c.toSkip, samples)
	c.toSkip -= dropStart
	if lastPage && granule >= 0 {
		skip := min(c.lastGranule+c.pageDur-granule, int64(samples))
		if skip > 0 && skip <= int64(samples-dropStart) {
			dropEnd = int(skip)
		}
	}
	if granule >= 0 {
		c.lastGranule, c.pageDur = granule, 0
	}
	return samples, dropStart, dropEnd
}

// opusLink decodes one link of a chained Opus stream.
type opusLink struct {
	head  opus.Head
	dec   *opus.Decoder
	clock opusClock
}

// newOpusLink makes the decoder of a link from its OpusHead packet.
func newOpusLink(head []byte) (*opusLink, error) {
	h, err := opus.ParseHead(head)
	if err != nil {
		return nil, err
	}
	dec, err := opus.NewDecoder(h)
	if err != nil {
		return nil, err
	}
	return &opusLink{head: h, dec: dec, clock: opusClock{toSkip: h.PreSkip}}, nil
}

func (l *opusLink) rate() int          { return opusRate }
func (l *opusLink) channels() int      { return l.head.Channels }
func (l *opusLink) layout() pcm.Layout { return l.dec.Layout() }

// decode decodes one packet and returns what of its samples ffmpeg keeps.
func (l *opusLink) decode(p Packet) ([][]float32, error) {
	_, dropStart, dropEnd := l.clock.step(p.Data, p.Granule, p.LastPage)
	out, err := l.dec.Decode(p.Data)
	if err != nil {
		return nil, err
	}
	n := len(out[0])
	from := min(dropStart, n)
	to := n
	if dropEnd > 0 && dropEnd <= n-from {
		to = n - dropEnd
	}
	for c := range out {
		out[c] = out[c][from:to]
	}
	return out, nil
}

// frames returns the number of samples the link yields, given the
// packets of its first page and what the end of the file says, or -1.
func (l *opusLink) frames(first []Packet, ts tailScan) int64 {
	c := opusClock{toSkip: l.head.PreSkip}
	var firstOut, firstDecoded int64
	var firstGranule int64 = -1
	for _, p := range first {
		s, ds, de := c.step(p.Data, p.Granule, p.LastPage)
		firstOut += int64(s - ds - de)
		firstDecoded += int64(s)
		firstGranule = p.Granule
	}
	last := first[len(first)-1]
	if last.EOS {
		if ts.found && ts.seq == last.PageSeq && !ts.chained {
			return firstOut
		}
		return -1
	}
	if firstGranule < 0 || !ts.found || ts.chained || !ts.hasBefore || ts.before.granule < 0 {
		return -1
	}
	decodedBefore := ts.before.granule - (firstGranule - firstDecoded)
	c = opusClock{
		toSkip:      int(max(0, int64(l.head.PreSkip)-decodedBefore)),
		lastGranule: ts.before.granule,
	}
	total := max(0, decodedBefore-int64(l.head.PreSkip))
	for _, p := range ts.final {
		if !p.known {
			return -1
		}
		s, ds, de := c.step(p.lead[:p.n], p.granule, ts.eos)
		total += int64(s - ds - de)
	}
	return total
}
