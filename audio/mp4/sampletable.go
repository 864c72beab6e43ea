package mp4

import (
	"encoding/binary"
	"io"
)

// maxMediaTime bounds the total duration of a track's samples, in media
// time units, so that time arithmetic cannot overflow.
const maxMediaTime = 1 << 62

// sample is the place and time of one access unit.
type sample struct {
	offset   int64  // in the file
	size     uint32 // in bytes
	time     int64  // decode time, in media time units
	duration uint32 // in media time units
}

// sampleSource yields a track's samples in decoding order, then io.EOF.
type sampleSource interface {
	next() (sample, error)
}

// tableSamples reads the samples a track's sample tables describe (stsz
// or stz2 for sizes, stts for durations, stsc and stco or co64 for where
// the chunks of samples lie), each table through its own window, so that
// memory does not depend on how many samples there are.
type tableSamples struct {
	count uint32 // samples in the track
	index uint32 // samples returned so far

	sizes     window
	constSize uint32 // size of every sample, or 0 when sizes lists them
	fieldBits int    // bits per entry of sizes: 4, 8, 16 or 32
	nibble    byte   // the second entry of a byte of a 4-bit stz2 table
	haveNib   bool

	times    window
	timeLeft uint32 // samples left in the current stts run
	delta    uint32 // duration of the samples of the current run
	time     int64  // decode time of the next sample

	runs       window
	perChunk   uint32 // samples per chunk of the current stsc run
	nextRun    uint32 // first chunk of the next stsc run, 0 after the last
	pendingPer uint32 // samples per chunk of the next stsc run

	offsets window
	wide    bool   // co64: 64-bit chunk offsets
	chunks  uint32 // chunks in the chunk offset table
	chunk   uint32 // chunks entered so far
	inChunk uint32 // samples left in the current chunk
	pos     int64  // offset of the next sample of the chunk
}

// tableInfo is what the sample tables declare, found by reading the small
// ones (stts, stsc) through once when the decoder is made.
type tableInfo struct {
	count    uint32 // samples
	duration int64  // sum of their durations, media time units
}

// newTableSamples checks the sample table boxes of t against each other
// and returns a reader of its samples; descriptions is the number of
// entries of its stsd box. A track with no samples may lack all of them
// but stsd.
func newTableSamples(src *source, t *track, descriptions uint32) (*tableSamples, tableInfo, error) {
	tb := t.tables
	s := &tableSamples{fieldBits: 32}
	var info tableInfo
	if tb.stsz.typ == 0 {
		return s, info, nil
	}
	var h [12]byte
	p, err := src.readPayload(tb.stsz, h[:], 12, "stsz")
	if err != nil {
		return nil, info, err
	}
	s.count = binary.BigEndian.Uint32(p[8:12])
	entries := int64(0) // bytes of the size table
	if tb.stsz.typ == typeStz2 {
		s.fieldBits = int(p[7])
		if s.fieldBits != 4 && s.fieldBits != 8 && s.fieldBits != 16 {
			return nil, info, malformed("the stz2 box has %d-bit entries; they must be 4, 8 or 16", s.fieldBits)
		}
		entries = (int64(s.count)*int64(s.fieldBits) + 7) / 8
	} else if s.constSize = binary.BigEndian.Uint32(p[4:8]); s.constSize == 0 {
		entries = int64(s.count) * 4
	}
	if entries > tb.stsz.size()-12 {
		return nil, info, malformed("the sample size box declares %d samples but has room for fewer", s.count)
	}
	s.sizes.reset(src, tb.stsz.body+12, tb.stsz.body+12+entries, "sample size")
	info.count = s.count
	if s.count == 0 {
		return s, info, nil
	}
	if tb.stts.typ == 0 || tb.stsc.typ == 0 || tb.stco.typ == 0 {
		return nil, info, malformed("the sound track has %d samples but lacks a stts, stsc or chunk offset box", s.count)
	}

	n, err := tableEntries(src, tb.stts, 8, "stts")
	if err != nil {
		return nil, info, err
	}
	s.times.reset(src, tb.stts.body+8, tb.stts.body+8+int64(n)*8, "stts")
	var timed uint64
	err = scanStts(src, tb.stts, func(count, delta uint32) error {
		timed += uint64(count)
		d := uint64(count) * uint64(delta) // < 2^64
		if d > uint64(maxMediaTime-info.duration) {
			return malformed("the stts box adds up to more than 2^62 time units")
		}
		info.duration += int64(d)
		return nil
	})
	if err != nil {
		return nil, info, err
	}
	if timed < uint64(s.count) {
		return nil, info, malformed("the stts box gives durations to %d samples, the sample size box lists %d", timed, s.count)
	}

	entry := int64(4)
	what := "stco"
	if tb.stco.typ == typeCo64 {
		s.wide, entry, what = true, 8, "co64"
	}
	n, err = tableEntries(src, tb.stco, entry, what)
	if err != nil {
		return nil, info, err
	}
	s.chunks = n
	s.offsets.reset(src, tb.stco.body+8, tb.stco.body+8+int64(n)*entry, what)

	if err := s.checkStsc(src, tb.stsc, descriptions); err != nil {
		return nil, info, err
	}
	return s, info, nil
}

// tableEntries reads the entry count of a table box whose entries of size
// entry follow its version, flags and count, and checks they fit in it.
func tableEntries(src *source, b box, entry int64, what string) (uint32, error) {
	var h [8]byte
	p, err := src.readPayload(b, h[:], 8, what)
	if err != nil {
		return 0, err
	}
	n := binary.BigEndian.Uint32(p[4:8])
	if int64(n) > (b.size()-8)/entry {
		return 0, malformed("the %s box declares %d entries but has room for %d", what, n, (b.size()-8)/entry)
	}
	return n, nil
}

// scanStts calls fn with each run (sample count, sample duration) of an
// stts box.
func scanStts(src *source, b box, fn func(count, delta uint32) error) error {
	n, err := tableEntries(src, b, 8, "stts")
	if err != nil {
		return err
	}
	var w window
	w.reset(src, b.body+8, b.body+8+int64(n)*8, "stts")
	for range n {
		p, err := w.read(8)
		if err != nil {
			return err
		}
		if err := fn(binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])); err != nil {
			return err
		}
	}
	return nil
}

// checkStsc reads the stsc box through once, checks that its runs start at
// chunk 1, increase, name the first sample description and map exactly
// the track's samples to its chunks, and leaves s at its first run.
func (s *tableSamples) checkStsc(src *source, b box, descriptions uint32) error {
	n, err := tableEntries(src, b, 12, "stsc")
	if err != nil {
		return err
	}
	if n == 0 {
		return malformed("the stsc box is empty but the track has %d samples", s.count)
	}
	var w window
	w.reset(src, b.body+8, b.body+8+int64(n)*12, "stsc")
	var mapped uint64
	var first, per uint32
	for i := range n {
		p, err := w.read(12)
		if err != nil {
			return err
		}
		f, spc, sdi := binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint32(p[8:])
		switch {
		case i == 0 && f != 1:
			return malformed("the first run of the stsc box starts at chunk %d, not 1", f)
		case i > 0 && f <= first:
			return malformed("the runs of the stsc box do not increase (chunk %d after %d)", f, first)
		case f > s.chunks:
			return malformed("the stsc box names chunk %d of %d", f, s.chunks)
		case spc == 0:
			return malformed("the stsc box puts 0 samples in a chunk")
		case sdi == 0 || sdi > descriptions:
			return malformed("the stsc box names sample description %d of %d", sdi, descriptions)
		case sdi != 1:
			return unsupported("a track that changes sample description (stsc names description %d)", sdi)
		}
		if i > 0 {
			mapped += uint64(f-first) * uint64(per)
		}
		first, per = f, spc
	}
	mapped += uint64(s.chunks-first+1) * uint64(per)
	if mapped < uint64(s.count) {
		return malformed("the chunk tables hold %d samples, the sample size box lists %d", mapped, s.count)
	}
	s.runs.reset(src, b.body+8, b.body+8+int64(n)*12, "stsc")
	p, err := s.runs.read(12)
	if err != nil {
		return err
	}
	s.perChunk = binary.BigEndian.Uint32(p[4:])
	return s.peekRun()
}

// peekRun reads the first chunk of the next stsc run into s.nextRun.
func (s *tableSamples) peekRun() error {
	if s.runs.left() == 0 {
		s.nextRun = 0
		return nil
	}
	p, err := s.runs.read(12)
	if err != nil {
		return err
	}
	s.nextRun = binary.BigEndian.Uint32(p)
	s.pendingPer = binary.BigEndian.Uint32(p[4:])
	return nil
}

// next returns the next sample, or io.EOF after the last.
func (s *tableSamples) next() (sample, error) {
	if s.index >= s.count {
		return sample{}, io.EOF
	}
	if s.inChunk == 0 {
		if err := s.nextChunk(); err != nil {
			return sample{}, err
		}
	}
	size, err := s.nextSize()
	if err != nil {
		return sample{}, err
	}
	for s.timeLeft == 0 {
		p, err := s.times.read(8)
		if err != nil {
			return sample{}, err
		}
		s.timeLeft, s.delta = binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
	}
	smp := sample{offset: s.pos, size: size, time: s.time, duration: s.delta}
	s.pos += int64(size)
	s.time += int64(s.delta)
	s.timeLeft--
	s.inChunk--
	s.index++
	return smp, nil
}

// nextChunk enters the next chunk: its offset, and its sample count from
// the stsc run it belongs to.
func (s *tableSamples) nextChunk() error {
	if s.chunk >= s.chunks {
		return malformed("the chunk offset table ends before sample %d", s.index+1)
	}
	s.chunk++
	if s.nextRun != 0 && s.chunk >= s.nextRun {
		s.perChunk = s.pendingPer
		if err := s.peekRun(); err != nil {
			return err
		}
	}
	s.inChunk = s.perChunk
	if s.wide {
		p, err := s.offsets.read(8)
		if err != nil {
			return err
		}
		off := binary.BigEndian.Uint64(p)
		if off > maxMediaTime {
			return malformed("chunk %d lies at offset %d, past any file", s.chunk, off)
		}
		s.pos = int64(off)
		return nil
	}
	p, err := s.offsets.read(4)
	if err != nil {
		return err
	}
	s.pos = int64(binary.BigEndian.Uint32(p))
	return nil
}

// nextSize returns the size of the next sample.
func (s *tableSamples) nextSize() (uint32, error) {
	if s.constSize != 0 {
		return s.constSize, nil
	}
	switch s.fieldBits {
	case 4:
		if s.haveNib {
			s.haveNib = false
			return uint32(s.nibble), nil
		}
		p, err := s.sizes.read(1)
		if err != nil {
			return 0, err
		}
		s.nibble, s.haveNib = p[0]&0x0F, true
		return uint32(p[0] >> 4), nil
	case 8:
		p, err := s.sizes.read(1)
		if err != nil {
			return 0, err
		}
		return uint32(p[0]), nil
	case 16:
		p, err := s.sizes.read(2)
		if err != nil {
			return 0, err
		}
		return uint32(binary.BigEndian.Uint16(p)), nil
	}
	p, err := s.sizes.read(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(p), nil
}
