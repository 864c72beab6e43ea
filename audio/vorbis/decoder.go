package vorbis

import (
	"math"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// A Decoder decodes the audio packets of one Vorbis stream. It holds the
// stream's setup and the second half of the last block, which the next
// packet overlaps. It is not safe for concurrent use.
type Decoder struct {
	id       identification
	s        *setup
	modeBits uint
	mdct     [2]*imdct
	slope    [2][]float32 // rising window slope of the overlap of short/long blocks

	br      bitReader
	prevN   int         // size of the last block, 0 before the first packet
	saved   [][]float32 // per channel, the first n/4 values of the last block's DCT-IV
	spec    [][]float32 // per channel, residue then spectrum (n/2 values)
	dct     [][]float32 // per channel, DCT-IV of the current block
	out     [][]float32 // per channel, output buffer
	ret     [][]float32 // slices of out handed to the caller
	floors  []channelFloor
	used    []bool // channel's floor is used this packet
	decode  []bool // channel's residue is decoded (after coupling)
	flat    []float32
	classes []uint8
	vecs    [][]float32
	skip    []bool
}

// NewDecoder makes a decoder from the three header packets of a Vorbis
// stream: identification, comment and setup. Headers that break the
// specification yield errors wrapping pcm.ErrMalformed; streams beyond the
// decoder's limits (channels, sample rate, setup table memory) errors
// wrapping pcm.ErrUnsupported.
func NewDecoder(ident, comment, setupPacket []byte) (*Decoder, error) {
	id, err := parseIdentification(ident)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(comment, packetComment, "comment"); err != nil {
		return nil, err
	}
	s, err := parseSetup(setupPacket, id)
	if err != nil {
		return nil, err
	}
	d := &Decoder{id: id, s: s, modeBits: ilog(len(s.modes) - 1)}
	bs := id.blocksizes
	d.mdct[0] = newIMDCT(bs[0])
	d.mdct[1] = d.mdct[0]
	if bs[1] != bs[0] {
		d.mdct[1] = newIMDCT(bs[1])
	}
	for i, n := range bs {
		w := n / 2
		d.slope[i] = make([]float32, w)
		for k := range w {
			x := math.Sin((float64(k) + 0.5) / float64(w) * math.Pi / 2)
			d.slope[i][k] = float32(math.Sin(math.Pi / 2 * x * x))
		}
	}
	ch := id.channels
	half := bs[1] / 2
	d.saved = planar(ch, bs[1]/4)
	d.spec = planar(ch, half)
	d.dct = planar(ch, half)
	d.out = planar(ch, half)
	d.ret = make([][]float32, ch)
	d.floors = make([]channelFloor, ch)
	for i := range d.floors {
		d.floors[i].coef = make([]float32, 0, 255)
	}
	d.used = make([]bool, ch)
	d.decode = make([]bool, ch)
	d.flat = make([]float32, ch*half)
	d.classes = make([]uint8, ch*half)
	d.vecs = make([][]float32, 0, ch)
	d.skip = make([]bool, 0, ch)
	return d, nil
}

// planar allocates ch slices of n values.
func planar(ch, n int) [][]float32 {
	buf := make([]float32, ch*n)
	p := make([][]float32, ch)
	for c := range p {
		p[c] = buf[c*n : (c+1)*n : (c+1)*n]
	}
	return p
}

// SampleRate is the stream's sample rate in Hz.
func (d *Decoder) SampleRate() int { return d.id.rate }

// Channels is the stream's channel count.
func (d *Decoder) Channels() int { return d.id.channels }

// Layout is the position of each channel, in the order of the
// specification (section 4.3.9).
func (d *Decoder) Layout() pcm.Layout { return pcm.VorbisLayout(d.id.channels) }

// BlockSizes returns the short and long block sizes.
func (d *Decoder) BlockSizes() (short, long int) {
	return d.id.blocksizes[0], d.id.blocksizes[1]
}

// PacketBlockSize reads the mode of an audio packet without decoding it
// and returns its block size and, for a long block, the size of the block
// before it as its window declares (0 for a short block, whose window does
// not say). A packet that is empty, not audio, or of no valid mode gives
// 0, 0. A packet of block size n after one of size p decodes to p/4 + n/4
// samples.
func (d *Decoder) PacketBlockSize(packet []byte) (size, prev int) {
	if len(packet) == 0 || packet[0]&1 != 0 {
		return 0, 0
	}
	var br bitReader
	br.reset(packet)
	br.read(1)
	m := int(br.read(d.modeBits))
	if br.eop || m >= len(d.s.modes) {
		return 0, 0
	}
	if !d.s.modes[m].long {
		return d.id.blocksizes[0], 0
	}
	prevLong := br.flag()
	if br.eop {
		return 0, 0
	}
	if prevLong {
		return d.id.blocksizes[1], d.id.blocksizes[1]
	}
	return d.id.blocksizes[1], d.id.blocksizes[0]
}

// OverlapSilence makes the next packet overlap a short block of silence
// instead of priming the decoder: it then yields samples, the first of
// them faded in. This is what ffmpeg's decoder does when a chained Ogg
// stream starts a new link, and callers that must match its output do
// the same.
func (d *Decoder) OverlapSilence() {
	d.prevN = d.id.blocksizes[0]
	for c := range d.saved {
		clear(d.saved[c])
	}
}

// Reset forgets the overlap of the last packet, as before the first
// packet: the next packet yields no samples. Use it after a seek.
func (d *Decoder) Reset() { d.prevN = 0 }

// Decode decodes one audio packet and returns the samples it completes,
// one slice per channel, valid until the next call: none for the first
// packet, then from the middle of the previous block to the middle of
// this one. An empty packet, or one that is not audio, is ignored (no
// samples). A packet of a mode the stream does not have, or one that ends
// before its window flags, yields an error wrapping pcm.ErrMalformed and
// leaves the decoder as it was. A packet that ends in the middle of its
// floors or residues is not an error: the specification makes the
// missing values zero.
func (d *Decoder) Decode(packet []byte) ([][]float32, error) {
	for c := range d.ret {
		d.ret[c] = d.out[c][:0]
	}
	if len(packet) == 0 || packet[0]&1 != 0 {
		return d.ret, nil
	}
	br := &d.br
	br.reset(packet)
	br.read(1)
	modeNum := int(br.read(d.modeBits))
	if br.eop {
		return nil, malformed("audio packet ends before its mode")
	}
	if modeNum >= len(d.s.modes) {
		return nil, malformed("audio packet of mode %d, the stream has %d", modeNum, len(d.s.modes))
	}
	md := d.s.modes[modeNum]
	blk := 0
	if md.long {
		blk = 1
		br.read(2) // previous and next window flags: the overlap follows the actual block sizes
		if br.eop {
			return nil, malformed("audio packet ends before its window flags")
		}
	}
	n := d.id.blocksizes[blk]
	half := n / 2
	mp := d.s.mappings[md.mapping]

	d.decodeFloors(mp)
	d.decodeResidues(mp, half)
	uncouple(d.spec, mp, half)
	// Floor times residue, then the inverse MDCT.
	for c := range d.id.channels {
		u := d.dct[c][:half]
		if !d.used[c] {
			clear(u)
			continue
		}
		v := d.spec[c][:half]
		d.s.floors[mp.submapFloor[mp.mux[c]]].apply(&d.floors[c], v)
		d.mdct[blk].dct4(v, u)
	}

	prev := d.prevN
	d.prevN = n
	if prev == 0 {
		d.keep(n)
		return d.ret, nil
	}
	d.overlap(prev, n)
	d.keep(n)
	return d.ret, nil
}

// decodeFloors reads the floor of each channel (section 4.3.2) and marks
// which channels are used and which residues are decoded.
func (d *Decoder) decodeFloors(mp *mapping) {
	br := &d.br
	for c := range d.id.channels {
		f := d.s.floors[mp.submapFloor[mp.mux[c]]]
		d.used[c] = f.decode(br, d.s.books, &d.floors[c])
	}
	if br.eop {
		// The specification: zero every channel and go on to overlap-add.
		clear(d.used)
	}
	// A coupled pair is decoded if either of its channels is used
	// (section 4.3.3).
	copy(d.decode, d.used)
	for i := range mp.magnitude {
		m, a := mp.magnitude[i], mp.angle[i]
		if d.decode[m] || d.decode[a] {
			d.decode[m], d.decode[a] = true, true
		}
	}
}

// decodeResidues reads the residue vectors of half a block, submap by
// submap (section 4.3.4), into d.spec.
func (d *Decoder) decodeResidues(mp *mapping, half int) {
	for c := range d.id.channels {
		clear(d.spec[c][:half])
	}
	for sm := range mp.submapResidue {
		vecs, skip := d.vecs[:0], d.skip[:0]
		for c := range d.id.channels {
			if int(mp.mux[c]) == sm {
				vecs = append(vecs, d.spec[c][:half])
				skip = append(skip, !d.decode[c])
			}
		}
		if len(vecs) > 0 {
			r := d.s.residues[mp.submapResidue[sm]]
			r.decode(&d.br, d.s.books, vecs, skip, d.flat, d.classes)
		}
	}
}

// uncouple undoes the square-polar coupling of the residues (section
// 4.3.5), last step first.
func uncouple(spec [][]float32, mp *mapping, half int) {
	for i := len(mp.magnitude) - 1; i >= 0; i-- {
		mag := spec[mp.magnitude[i]][:half]
		ang := spec[mp.angle[i]][:half]
		for k, m := range mag {
			a := ang[k]
			switch {
			case m > 0 && a > 0:
				ang[k] = m - a
			case m > 0:
				mag[k], ang[k] = m+a, m
			case a > 0:
				ang[k] = m + a
			default:
				mag[k], ang[k] = m-a, m
			}
		}
	}
}

// keep saves the part of the current block's DCT-IV that the next block
// overlaps: its first n/4 values give the right half of the block.
func (d *Decoder) keep(n int) {
	for c := range d.saved {
		copy(d.saved[c][:n/4], d.dct[c][:n/4])
	}
}

// overlap adds the right half of the previous block (size pn) to the left
// half of the current one (size n), windowed, into the output: the pn/4 +
// n/4 samples from the middle of the previous block to the middle of this
// one. The overlap spans the shorter block's half; outside it the longer
// block's window is 1 or 0.
//
// With u the DCT-IV of a block of size m (see imdct), the block's output
// is y[j] = u[j+m/4] for j < m/4, −u[3m/4−1−j] for m/4 ≤ j < 3m/4 and
// −u[j−3m/4] above; saved holds the previous block's u[:pn/4], which
// gives its right half.
func (d *Decoder) overlap(pn, n int) {
	total := pn/4 + n/4
	w := min(pn, n) / 2
	slope := d.slope[0]
	if w != len(slope) {
		slope = d.slope[1]
	}
	lap := pn/4 - w/2   // output index where the overlap starts
	shift := n/4 - pn/4 // output index t is index t+shift of the current block
	for c := range d.out {
		out := d.out[c][:total]
		pu := d.saved[c][:pn/4]
		u := d.dct[c][:n/2]
		// Before the overlap: the previous block alone (only when it is
		// the longer one), y[pn/2+t] = −pu[pn/4−1−t].
		for t := range lap {
			out[t] = -pu[pn/4-1-t]
		}
		// The overlap: y[pn/2+t] is −pu[pn/4−1−t] up to pn/4, then
		// −pu[t−pn/4]; the current block's y[j] is u[j+n/4] up to n/4,
		// then −u[3n/4−1−j].
		for k := range w {
			t := lap + k
			var prev float32
			if t < pn/4 {
				prev = -pu[pn/4-1-t]
			} else {
				prev = -pu[t-pn/4]
			}
			var cur float32
			if j := t + shift; j < n/4 {
				cur = u[j+n/4]
			} else {
				cur = -u[3*n/4-1-j]
			}
			out[t] = prev*slope[w-1-k] + cur*slope[k]
		}
		// After it: the current block alone (only when it is the longer
		// one), in its second quarter.
		for t := lap + w; t < total; t++ {
			out[t] = -u[3*n/4-1-(t+shift)]
		}
		d.ret[c] = out
	}
}
