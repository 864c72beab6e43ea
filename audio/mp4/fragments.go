package mp4

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// Flags of the tfhd box.
const (
	tfhdBaseDataOffset  = 0x000001
	tfhdDescription     = 0x000002
	tfhdDefaultDuration = 0x000008
	tfhdDefaultSize     = 0x000010
	tfhdDefaultFlags    = 0x000020
	tfhdBaseIsMoof      = 0x020000
)

// Flags of the trun box.
const (
	trunDataOffset  = 0x000001
	trunFirstFlags  = 0x000004
	trunDuration    = 0x000100
	trunSize        = 0x000200
	trunFlags       = 0x000400
	trunCompOffsets = 0x000800
	trunPerSample   = trunDuration | trunSize | trunFlags | trunCompOffsets
)

// defaults are a track's sample defaults: from its trex box, overridden
// for one track fragment by its tfhd box.
type defaults struct {
	description uint32
	duration    uint32
	size        uint32
}

// fragmentSamples reads the samples of one track from the movie fragments
// of a fragmented file (moof boxes: traf, tfhd, tfdt, trun), fragment
// after fragment, each trun through a window.
type fragmentSamples struct {
	src          *source
	mvex         box    // for the trex defaults of other tracks
	trackID      uint32 // the track decoded
	trex         defaults
	descriptions uint32 // entries of the track's stsd box

	top int64 // offset of the next top-level box to look at

	// The movie fragment being read.
	inMoof    bool
	moof      box
	trafs     boxes // the moof's children not yet looked at
	firstTraf bool  // no traf of this moof has been read yet
	dataEnd   int64 // end of the data of the last traf read

	// The track fragment being read.
	inTraf  bool
	truns   boxes // the traf's children not yet looked at
	tf      defaults
	base    int64 // base data offset
	dataPos int64 // offset of the next sample
	time    int64 // decode time of the next sample

	// The track run being read.
	runLeft  uint32 // samples left
	runFlags uint32
	run      window
}

// newFragmentSamples returns a reader of the samples of track id in the
// movie fragments of the file. mvex is the moov's mvex box.
func newFragmentSamples(src *source, mvex box, id uint32, descriptions uint32) (*fragmentSamples, error) {
	trex, err := findTrex(src, mvex, id)
	if err != nil {
		return nil, err
	}
	return &fragmentSamples{src: src, mvex: mvex, trackID: id, trex: trex, descriptions: descriptions}, nil
}

// findTrex returns the defaults of track id from the trex boxes of mvex;
// a track without one has defaults of 0 and sample description 1.
func findTrex(src *source, mvex box, id uint32) (defaults, error) {
	it := src.children(mvex, "mvex box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return defaults{}, err
		}
		if !ok {
			return defaults{description: 1}, nil
		}
		if b.typ != typeTrex {
			continue
		}
		var f [24]byte
		p, err := src.readPayload(b, f[:], 24, "trex")
		if err != nil {
			return defaults{}, err
		}
		be := binary.BigEndian
		if be.Uint32(p[4:8]) == id {
			return defaults{description: be.Uint32(p[8:12]), duration: be.Uint32(p[12:16]), size: be.Uint32(p[16:20])}, nil
		}
	}
}

// hasTrex reports whether mvex has a trex box for track id.
func hasTrex(src *source, mvex box, id uint32) (bool, error) {
	it := src.children(mvex, "mvex box")
	for {
		b, ok, err := it.nextBox()
		if err != nil || !ok {
			return false, err
		}
		if b.typ != typeTrex {
			continue
		}
		var f [8]byte
		p, err := src.readPayload(b, f[:], 8, "trex")
		if err != nil {
			return false, err
		}
		if binary.BigEndian.Uint32(p[4:8]) == id {
			return true, nil
		}
	}
}

// next returns the next sample of the track, or io.EOF after the last
// fragment.
func (f *fragmentSamples) next() (sample, error) {
	for {
		switch {
		case f.runLeft > 0:
			return f.runSample()
		case f.inTraf:
			if err := f.nextRun(); err != nil {
				return sample{}, err
			}
		case f.inMoof:
			if err := f.nextTraf(); err != nil {
				return sample{}, err
			}
		default:
			ok, err := f.nextMoof()
			if err != nil {
				return sample{}, err
			}
			if !ok {
				return sample{}, io.EOF
			}
		}
	}
}

// nextMoof finds the next moof box among the top-level boxes. A box other
// than a moof that the file ends inside ends the search: the samples of a
// truncated mdat fail when they are read.
func (f *fragmentSamples) nextMoof() (bool, error) {
	for f.src.size-f.top >= 8 {
		b, err := f.src.readBox(f.top, f.src.size)
		if err != nil {
			return false, err
		}
		if b.typ != typeMoof {
			f.top = min(b.end, f.src.size)
			continue
		}
		if b.end > f.src.size {
			return false, malformed("the file ends inside a movie fragment (truncated file)")
		}
		f.top = b.end
		f.inMoof, f.moof, f.firstTraf = true, b, true
		f.trafs = f.src.children(b, "moof box")
		f.dataEnd = b.start
		return true, nil
	}
	f.top = f.src.size
	return false, nil
}

// nextTraf enters the next traf of the moof that belongs to the track,
// passing over those of other tracks.
func (f *fragmentSamples) nextTraf() error {
	for {
		b, ok, err := f.trafs.nextBox()
		if err != nil {
			return err
		}
		if !ok {
			f.inMoof = false
			return nil
		}
		if b.typ != typeTraf {
			continue
		}
		mine, err := f.enterTraf(b)
		if err != nil {
			return err
		}
		f.firstTraf = false
		if mine {
			return nil
		}
	}
}

// enterTraf reads the tfhd and tfdt of a traf. For the track's own traf
// it sets up the reading of its truns; for another track's it only finds
// where that traf's data ends, which the next traf may start from.
func (f *fragmentSamples) enterTraf(traf box) (bool, error) {
	it := f.src.children(traf, "traf box")
	var tfhd, tfdt box
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return false, err
		}
		if !ok {
			break
		}
		switch {
		case b.typ == typeTfhd && tfhd.typ == 0:
			tfhd = b
		case b.typ == typeTfdt && tfdt.typ == 0:
			tfdt = b
		}
	}
	if tfhd.typ == 0 {
		return false, malformed("a traf box has no tfhd box")
	}
	var h [32]byte // version, flags, track_ID and every optional field
	p, err := f.src.readPayload(tfhd, h[:], 8, "tfhd")
	if err != nil {
		return false, err
	}
	be := binary.BigEndian
	flags := be.Uint32(p[0:4]) & 0xFFFFFF
	id := be.Uint32(p[4:8])
	need := 8 + 8*bits.OnesCount32(flags&tfhdBaseDataOffset) +
		4*bits.OnesCount32(flags&(tfhdDescription|tfhdDefaultDuration|tfhdDefaultSize|tfhdDefaultFlags))
	if len(p) < need {
		return false, malformed("the tfhd box is %d bytes, its flags need %d", tfhd.size(), need)
	}
	tf := f.trex
	if id != f.trackID {
		if tf, err = findTrex(f.src, f.mvex, id); err != nil {
			return false, err
		}
	}
	base := f.dataEnd
	q := p[8:]
	switch {
	case flags&tfhdBaseDataOffset != 0:
		off := be.Uint64(q)
		if off > maxMediaTime {
			return false, malformed("a tfhd box puts its data at offset %d, past any file", off)
		}
		base = int64(off)
		q = q[8:]
	case flags&tfhdBaseIsMoof != 0 || f.firstTraf:
		base = f.moof.start
	}
	if flags&tfhdDescription != 0 {
		tf.description, q = be.Uint32(q), q[4:]
	}
	if flags&tfhdDefaultDuration != 0 {
		tf.duration, q = be.Uint32(q), q[4:]
	}
	if flags&tfhdDefaultSize != 0 {
		tf.size = be.Uint32(q)
	}

	f.tf, f.base, f.dataPos = tf, base, base
	f.truns = f.src.children(traf, "traf box")
	if id != f.trackID {
		return false, f.skipTraf()
	}
	switch {
	case tf.description == 0 || tf.description > f.descriptions:
		return false, malformed("a track fragment names sample description %d of %d", tf.description, f.descriptions)
	case tf.description != 1:
		return false, unsupported("a track that changes sample description (a track fragment names description %d)", tf.description)
	}
	if tfdt.typ != 0 {
		var d [12]byte
		p, err := f.src.readPayload(tfdt, d[:], 8, "tfdt")
		if err != nil {
			return false, err
		}
		t := uint64(be.Uint32(p[4:8]))
		if p[0] == 1 {
			if len(p) < 12 {
				return false, malformed("the version 1 tfdt box is %d bytes, too short", tfdt.size())
			}
			t = be.Uint64(p[4:12])
		}
		if t > maxMediaTime {
			return false, malformed("a tfdt box gives a decode time of %d, more than 2^62", t)
		}
		f.time = int64(t)
	}
	f.inTraf = true
	return true, nil
}

// skipTraf walks the truns of another track's traf to find where its data
// ends.
func (f *fragmentSamples) skipTraf() error {
	for {
		ok, err := f.startRun()
		if err != nil || !ok {
			f.dataEnd = f.dataPos
			return err
		}
		if f.runFlags&trunSize == 0 {
			n := uint64(f.runLeft) * uint64(f.tf.size) // < 2^64
			if n > uint64(maxMediaTime-f.dataPos) {
				return malformed("a track run's data ends past any file")
			}
			f.dataPos, f.runLeft = f.dataPos+int64(n), 0
			continue
		}
		for ; f.runLeft > 0; f.runLeft-- {
			s, err := f.readEntry()
			if err != nil {
				return err
			}
			if f.dataPos += int64(s.size); f.dataPos > maxMediaTime {
				return malformed("a track run's data ends past any file")
			}
		}
	}
}

// nextRun starts the next trun of the track's traf, or leaves the traf.
func (f *fragmentSamples) nextRun() error {
	ok, err := f.startRun()
	if err != nil {
		return err
	}
	if !ok {
		f.inTraf = false
		f.dataEnd = f.dataPos
	}
	return nil
}

// startRun reads the header of the next trun of the traf: its flags,
// sample count, data offset and first sample flags. It returns false when
// the traf has no more.
func (f *fragmentSamples) startRun() (bool, error) {
	for {
		b, ok, err := f.truns.nextBox()
		if err != nil || !ok {
			return false, err
		}
		if b.typ != typeTrun {
			continue
		}
		var h [16]byte
		p, err := f.src.readPayload(b, h[:], 8, "trun")
		if err != nil {
			return false, err
		}
		be := binary.BigEndian
		flags := be.Uint32(p[0:4]) & 0xFFFFFF
		count := be.Uint32(p[4:8])
		head := 8 + 4*bits.OnesCount32(flags&(trunDataOffset|trunFirstFlags))
		if len(p) < head {
			return false, malformed("the trun box is %d bytes, its flags need %d", b.size(), head)
		}
		entry := int64(4 * bits.OnesCount32(flags&trunPerSample))
		if entry > 0 && int64(count) > (b.size()-int64(head))/entry {
			return false, malformed("the trun box declares %d samples but has room for %d", count, (b.size()-int64(head))/entry)
		}
		if flags&trunDataOffset != 0 {
			pos := f.base + int64(int32(be.Uint32(p[8:12])))
			if pos < 0 {
				return false, malformed("a trun box puts its data before the start of the file")
			}
			f.dataPos = pos
		}
		f.runFlags, f.runLeft = flags, count
		f.run.reset(f.src, b.body+int64(head), b.body+int64(head)+int64(count)*entry, "trun")
		return true, nil
	}
}

// readEntry reads the duration and size of the next sample of the run.
func (f *fragmentSamples) readEntry() (sample, error) {
	s := sample{duration: f.tf.duration, size: f.tf.size}
	n := 4 * bits.OnesCount32(f.runFlags&trunPerSample)
	if n == 0 {
		return s, nil
	}
	p, err := f.run.read(n)
	if err != nil {
		return s, err
	}
	if f.runFlags&trunDuration != 0 {
		s.duration, p = binary.BigEndian.Uint32(p), p[4:]
	}
	if f.runFlags&trunSize != 0 {
		s.size = binary.BigEndian.Uint32(p)
	}
	return s, nil
}

// runSample returns the next sample of the current run.
func (f *fragmentSamples) runSample() (sample, error) {
	s, err := f.readEntry()
	if err != nil {
		return s, err
	}
	f.runLeft--
	s.offset, s.time = f.dataPos, f.time
	f.dataPos += int64(s.size)
	f.time += int64(s.duration)
	if f.time > maxMediaTime {
		return s, malformed("the track fragments add up to more than 2^62 time units")
	}
	return s, nil
}
