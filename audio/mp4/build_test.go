package mp4

import (
	"encoding/binary"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// This file writes MP4 files for the tests: the access units of a fixture
// laid out in the many ways the format allows (moov first or last, 64-bit
// and size-0 boxes, chunk layouts, stz2, co64, QuickTime sound
// descriptions, fragments with each kind of base data offset), and files
// whose headers lie.

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// mkbox returns a box of type typ holding parts, with a 32-bit size.
func mkbox(typ string, parts ...[]byte) []byte {
	n := 8
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, typ...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// mkfull returns a full box: version, flags, then parts.
func mkfull(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	return mkbox(typ, append([][]byte{be32(uint32(version)<<24 | flags)}, parts...)...)
}

// add appends parts to b.
func add(b []byte, parts ...[]byte) []byte {
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// cat joins byte slices into a new one.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// editEntry is one entry of an elst box.
type editEntry struct {
	duration  uint64
	mediaTime int64
	rate      int16
}

// spec says how to lay out a file.
type spec struct {
	packets   [][]byte
	durations []uint32 // per packet; 1024 when nil
	asc       []byte
	channels  int
	rate      int
	timescale uint32 // of mdhd; rate when 0
	movieTS   uint32 // of mvhd; 1000 when 0

	edits  []editEntry
	elstV1 bool

	moovFirst  bool
	mdatLarge  bool // 64-bit mdat size
	mdatZero   bool // mdat last, with size 0
	co64       bool
	sizeBits   int   // 4, 8 or 16: stz2; 0: stsz
	constSize  bool  // stsz with one size for all (packets must agree)
	chunks     []int // samples per chunk, repeated; all in one chunk when nil
	videoFirst bool  // a video trak before the sound trak
	qtVersion  int   // QuickTime sound description version 0, 1 or 2
	isoV1      bool  // with qtVersion 1: ISO's AudioSampleEntryV1, no QuickTime fields
	wave       bool  // the esds inside a QuickTime wave box

	fragment int // samples per movie fragment; 0: not fragmented
	inMoov   int // with fragments: samples left in the moov's tables
	// baseMode is how a traf finds its data: 0 default-base-is-moof,
	// 1 an explicit base-data-offset, 2 implicitly (the moof's start),
	// 3 after another track's traf in the same moof (implicit, second traf),
	// 4 explicit, with every optional field of tfhd.
	baseMode    int
	noTrunSizes bool // samples sized by tfhd's default (packets must agree)
}

func (s *spec) duration(i int) uint32 {
	if s.durations == nil {
		return 1024
	}
	return s.durations[i]
}

// build writes the file s describes.
func build(s spec) []byte {
	if s.timescale == 0 {
		s.timescale = uint32(s.rate)
	}
	if s.movieTS == 0 {
		s.movieTS = 1000
	}
	ftyp := mkbox("ftyp", []byte("M4A "), be32(512), []byte("M4A isomiso2"))
	nTab := len(s.packets)
	if s.fragment > 0 {
		nTab = min(s.inMoov, len(s.packets))
	}
	var media []byte
	for _, p := range s.packets[:nTab] {
		media = append(media, p...)
	}
	mdatHead := 8
	if s.mdatLarge {
		mdatHead = 16
	}
	mdat := func() []byte {
		switch {
		case s.mdatLarge:
			return cat(be32(1), []byte("mdat"), be64(uint64(16+len(media))), media)
		case s.mdatZero:
			return cat(be32(0), []byte("mdat"), media)
		}
		return mkbox("mdat", media)
	}
	var file []byte
	if s.moovFirst {
		moov0 := s.moov(0, nTab)
		data := len(ftyp) + len(moov0) + mdatHead
		file = cat(ftyp, s.moov(int64(data), nTab), mdat())
	} else {
		file = cat(ftyp, mdat())
		file = append(file, s.moov(int64(len(ftyp)+mdatHead), nTab)...)
	}
	if s.fragment > 0 {
		for i, seq := nTab, 1; i < len(s.packets); i, seq = i+s.fragment, seq+1 {
			file = append(file, s.fragmentBoxes(int64(len(file)), seq, s.packets[i:min(i+s.fragment, len(s.packets))], i)...)
		}
	}
	return file
}

// moov returns the movie box for the first n packets, the first of which
// lies at offset data.
func (s *spec) moov(data int64, n int) []byte {
	var dur uint64
	for i := range len(s.packets) {
		dur += uint64(s.duration(i))
	}
	mvhd := mkfull("mvhd", 0, 0, be32(0), be32(0), be32(s.movieTS), be32(uint32(dur*uint64(s.movieTS)/uint64(s.timescale))), make([]byte, 80))
	parts := [][]byte{mvhd}
	if s.videoFirst {
		parts = append(parts, videoTrak())
	}
	parts = append(parts, s.trak(data, n, dur))
	if s.fragment > 0 {
		trex := mkfull("trex", 0, 0, be32(1), be32(1), be32(1024), be32(0), be32(0))
		if s.baseMode == 3 {
			trex = cat(trex, mkfull("trex", 0, 0, be32(9), be32(1), be32(1), be32(1), be32(0)))
		}
		parts = append(parts, mkbox("mvex", trex))
	}
	return mkbox("moov", parts...)
}

// videoTrak is a video track with no samples.
func videoTrak() []byte {
	return mkbox("trak",
		mkfull("tkhd", 0, 3, be32(0), be32(0), be32(2), make([]byte, 80-12)),
		mkbox("mdia",
			mkfull("mdhd", 0, 0, be32(0), be32(0), be32(90000), be32(0), be32(0)),
			mkfull("hdlr", 0, 0, be32(0), []byte("vide"), make([]byte, 13)),
			mkbox("minf", mkbox("stbl",
				mkfull("stsd", 0, 0, be32(0)),
				mkfull("stts", 0, 0, be32(0)),
				mkfull("stsc", 0, 0, be32(0)),
				mkfull("stsz", 0, 0, be32(0), be32(0)),
				mkfull("stco", 0, 0, be32(0))))))
}

// trak returns the sound track for the first n packets.
func (s *spec) trak(data int64, n int, dur uint64) []byte {
	parts := [][]byte{mkfull("tkhd", 0, 3, be32(0), be32(0), be32(1), make([]byte, 80-12))}
	if s.edits != nil {
		var es []byte
		for _, e := range s.edits {
			if s.elstV1 {
				es = add(es, be64(e.duration), be64(uint64(e.mediaTime)), be16(uint16(e.rate)), be16(0))
			} else {
				es = add(es, be32(uint32(e.duration)), be32(uint32(e.mediaTime)), be16(uint16(e.rate)), be16(0))
			}
		}
		v := byte(0)
		if s.elstV1 {
			v = 1
		}
		parts = append(parts, mkbox("edts", mkfull("elst", v, 0, be32(uint32(len(s.edits))), es)))
	}
	parts = append(parts, mkbox("mdia",
		mkfull("mdhd", 0, 0, be32(0), be32(0), be32(s.timescale), be32(uint32(dur)), be32(0)),
		mkfull("hdlr", 0, 0, be32(0), []byte("soun"), make([]byte, 13)),
		mkbox("minf", mkbox("stbl", s.stbl(data, n)))))
	return mkbox("trak", parts...)
}

// stbl returns the sample tables of the first n packets.
func (s *spec) stbl(data int64, n int) []byte {
	stsd := mkfull("stsd", 0, 0, be32(1), s.entry())
	// stts: runs of equal durations.
	var runs []byte
	count := 0
	for i := 0; i < n; {
		j := i
		for j < n && s.duration(j) == s.duration(i) {
			j++
		}
		runs = add(runs, be32(uint32(j-i)), be32(s.duration(i)))
		count++
		i = j
	}
	stts := mkfull("stts", 0, 0, be32(uint32(count)), runs)
	// Chunks.
	var sizes []int
	if s.chunks == nil {
		if n > 0 {
			sizes = []int{n}
		}
	} else {
		for left, k := n, 0; left > 0; k++ {
			c := min(s.chunks[k%len(s.chunks)], left)
			sizes = append(sizes, c)
			left -= c
		}
	}
	var stscEntries []byte
	nStsc := 0
	for i := range sizes {
		if i == 0 || sizes[i] != sizes[i-1] {
			stscEntries = add(stscEntries, be32(uint32(i+1)), be32(uint32(sizes[i])), be32(1))
			nStsc++
		}
	}
	stsc := mkfull("stsc", 0, 0, be32(uint32(nStsc)), stscEntries)
	var offs []byte
	off, k := data, 0
	for _, c := range sizes {
		if s.co64 {
			offs = add(offs, be64(uint64(off)))
		} else {
			offs = add(offs, be32(uint32(off)))
		}
		for range c {
			off += int64(len(s.packets[k]))
			k++
		}
	}
	var stco []byte
	if s.co64 {
		stco = mkfull("co64", 0, 0, be32(uint32(len(sizes))), offs)
	} else {
		stco = mkfull("stco", 0, 0, be32(uint32(len(sizes))), offs)
	}
	var stsz []byte
	switch {
	case s.constSize:
		sz := 0
		if n > 0 {
			sz = len(s.packets[0])
		}
		stsz = mkfull("stsz", 0, 0, be32(uint32(sz)), be32(uint32(n)))
	case s.sizeBits != 0:
		var tab []byte
		for i := 0; i < n; i++ {
			v := len(s.packets[i])
			switch s.sizeBits {
			case 4:
				if i%2 == 0 {
					tab = append(tab, byte(v<<4))
				} else {
					tab[len(tab)-1] |= byte(v & 15)
				}
			case 8:
				tab = append(tab, byte(v))
			case 16:
				tab = add(tab, be16(uint16(v)))
			}
		}
		stsz = mkfull("stz2", 0, 0, []byte{0, 0, 0, byte(s.sizeBits)}, be32(uint32(n)), tab)
	default:
		var tab []byte
		for _, p := range s.packets[:n] {
			tab = add(tab, be32(uint32(len(p))))
		}
		stsz = mkfull("stsz", 0, 0, be32(0), be32(uint32(n)), tab)
	}
	return cat(stsd, stts, stsc, stsz, stco)
}

// esds returns the esds box of the AudioSpecificConfig.
func esdsBox(asc []byte) []byte {
	dsi := cat([]byte{0x05, 0x80, 0x80, 0x80, byte(len(asc))}, asc)
	dcd := cat([]byte{0x04, 0x80, 0x80, 0x80, byte(13 + len(dsi)), 0x40, 0x15, 0, 0, 0}, be32(0), be32(0), dsi)
	sl := []byte{0x06, 0x80, 0x80, 0x80, 0x01, 0x02}
	es := cat([]byte{0x03, 0x80, 0x80, 0x80, byte(3 + len(dcd) + len(sl)), 0, 1, 0}, dcd, sl)
	return mkfull("esds", 0, 0, es)
}

// entry returns the mp4a sample entry.
func (s *spec) entry() []byte {
	head := cat(make([]byte, 6), be16(1), be16(uint16(s.qtVersion)), make([]byte, 6),
		be16(uint16(s.channels)), be16(16), be16(0), be16(0), be32(uint32(s.rate)<<16))
	switch s.qtVersion {
	case 1:
		if !s.isoV1 {
			head = cat(head, be32(1024), be32(0), be32(0), be32(2))
		}
	case 2:
		head = cat(head, be32(72), be64(0), be32(uint32(s.channels)), be32(0x7F000000), be32(16), be32(0), be32(0), be32(1024))
	}
	esds := esdsBox(s.asc)
	if s.wave {
		esds = mkbox("wave", mkbox("frma", []byte("mp4a")), mkbox("mp4a", be32(0)), esds, be32(8), be32(0))
	}
	return mkbox("mp4a", head, esds)
}

// fragmentBoxes returns a moof and its mdat, at offset off of the file,
// for packets ps whose first is packet first of the track.
func (s *spec) fragmentBoxes(off int64, seq int, ps [][]byte, first int) []byte {
	var t uint64
	for i := range first {
		t += uint64(s.duration(i))
	}
	var media []byte
	for _, p := range ps {
		media = append(media, p...)
	}
	extra := 0 // bytes of the other track's samples before ours
	if s.baseMode == 3 {
		extra = 3
	}
	moof := func(dataOffset, base uint64) []byte {
		flags := uint32(trunDataOffset | trunDuration | trunSize)
		if s.noTrunSizes {
			flags &^= trunSize
		}
		if s.baseMode == 3 {
			flags &^= trunDataOffset
		}
		var entries []byte
		for i, p := range ps {
			entries = add(entries, be32(s.duration(first+i)))
			if !s.noTrunSizes {
				entries = add(entries, be32(uint32(len(p))))
			}
		}
		var tfhd, trun []byte
		size := be32(uint32(len(ps[0])))
		switch s.baseMode {
		case 0:
			tfhd = mkfull("tfhd", 0, tfhdBaseIsMoof|tfhdDefaultSize, be32(1), size)
		case 1:
			tfhd = mkfull("tfhd", 0, tfhdBaseDataOffset|tfhdDefaultSize, be32(1), be64(base), size)
		case 4:
			tfhd = mkfull("tfhd", 0, tfhdBaseDataOffset|tfhdDescription|tfhdDefaultDuration|tfhdDefaultSize|tfhdDefaultFlags,
				be32(1), be64(base), be32(1), be32(1024), size, be32(0x02000000))
		default:
			tfhd = mkfull("tfhd", 0, tfhdDefaultSize, be32(1), size)
		}
		if flags&trunDataOffset != 0 {
			trun = mkfull("trun", 0, flags, be32(uint32(len(ps))), be32(uint32(dataOffset)), entries)
		} else {
			trun = mkfull("trun", 0, flags, be32(uint32(len(ps))), entries)
		}
		parts := [][]byte{mkfull("mfhd", 0, 0, be32(uint32(seq)))}
		if s.baseMode == 3 {
			// Another track's traf first: three 1-byte samples at the
			// start of the mdat, placed from the moof's start.
			parts = append(parts, mkbox("traf", mkfull("tfhd", 0, tfhdDefaultSize, be32(9), be32(1)),
				mkfull("trun", 0, trunDataOffset, be32(3), be32(uint32(dataOffset)))))
		}
		parts = append(parts, mkbox("traf", tfhd, mkfull("tfdt", 1, 0, be64(t)), trun))
		return mkbox("moof", parts...)
	}
	n := uint64(len(moof(0, 0)))
	var m []byte
	switch s.baseMode {
	case 1, 4:
		m = moof(0, uint64(off)+n+8)
	default:
		m = moof(n+8, 0)
	}
	return cat(m, mkbox("mdat", make([]byte, extra), media))
}

// fixtureSpec returns the packets and stream parameters of a fixture, as
// the base of built files.
func fixtureSpec(t testing.TB, name string) spec {
	t.Helper()
	b := audiotest.ReadFixture(t, name)
	d, ps, err := demuxAll(b, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	s := spec{
		asc:       append([]byte(nil), d.entry.esds.specific...),
		channels:  d.entry.channels,
		rate:      d.entry.rate,
		timescale: d.track.timescale,
	}
	for _, p := range ps {
		s.packets = append(s.packets, append([]byte(nil), b[p.offset:p.offset+int64(p.size)]...))
		s.durations = append(s.durations, p.duration)
	}
	return s
}
