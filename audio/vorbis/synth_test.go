package vorbis

import (
	"encoding/binary"
	"flag"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// The encoders write only part of Vorbis I (floor 1, residues 1 and 2,
// lattice codebooks, one submap). The synthetic streams synthStream builds
// use the rest: floor 0, residue 0, explicit (type 2) and single-entry
// codebooks, ordered and sparse codebooks, codewords longer than the lookup
// table, several submaps and coupling steps, four modes. Their audio
// packets are random bits (with consistent window flags): the tests compare
// the decode, not the sound. testdata/make.sh writes them with
//
//	go test -run TestWriteSynthetic -synth .
//
// and decodes them with ffmpeg for the references: synth-ffmpeg.ogg with
// ffmpeg's native decoder, which has no explicit (type 2) codebooks, so
// that stream uses lattices only; synth-libvorbis.ogg with libvorbis (the
// specification's reference decoder, through ffmpeg -c:a libvorbis).
var writeSynth = flag.Bool("synth", false, "write the synthetic test streams")

// synthVariant selects a synthetic stream.
type synthVariant struct {
	path     string
	explicit bool // codebooks 3, 4 and 5 use lookup type 2, else 1
	seed     uint64
}

var synthVariants = []synthVariant{
	{"testdata/synth-ffmpeg.ogg", false, 1},
	{"testdata/synth-libvorbis.ogg", true, 2},
}

// synthIdent is the identification header of the synthetic stream: 3
// channels at 16 kHz, blocks of 256 and 1024.
func synthIdent() []byte {
	p := []byte("\x01vorbis")
	p = binary.LittleEndian.AppendUint32(p, 0)
	p = append(p, 3)
	p = binary.LittleEndian.AppendUint32(p, 16000)
	p = append(p, make([]byte, 12)...)
	return append(p, 8|10<<4, 1)
}

// synthComment is an empty comment header.
func synthComment() []byte {
	p := []byte("\x03vorbis")
	p = binary.LittleEndian.AppendUint32(p, 0) // vendor
	p = binary.LittleEndian.AppendUint32(p, 0) // comments
	return append(p, 1)
}

// synthBooks are the codebooks of the synthetic setup.
func synthBooks(rng *rand.Rand, explicit bool) []testBook {
	fill := func(n, l int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = l
		}
		return s
	}
	randMult := func(n int, bits uint) []uint32 {
		m := make([]uint32, n)
		for i := range m {
			m[i] = uint32(rng.IntN(1 << bits))
		}
		return m
	}
	lattice := append(fill(47, 6), fill(34, 7)...) // 81 entries, complete
	sparse := make([]int, 16)
	for i := 0; i < 16; i += 2 {
		sparse[i] = 3 // 8 used entries of 3 bits
	}
	long := append(fill(1000, 11), fill(2096, 12)...) // codewords beyond fastBits
	// Books 3 to 5 in lattice form: 4 values per dimension.
	vq3 := testBook{dims: 2, entries: 16, lengths: sparse, lookup: 1,
		min: -0.5, delta: 0.25, valueBits: 2, sequence: true, mult: []uint32{0, 1, 2, 3}}
	vq4 := testBook{dims: 2, entries: 16, lengths: fill(16, 4), lookup: 1,
		min: 9.0 / 32, delta: 1.0 / 64, valueBits: 2, sequence: true, mult: []uint32{0, 1, 2, 3}}
	vq5 := testBook{dims: 1, entries: 1, lengths: []int{1}, lookup: 1,
		min: 0.25, delta: 0, valueBits: 1, mult: []uint32{0}}
	if explicit {
		vq3 = testBook{dims: 2, entries: 16, lengths: sparse, lookup: 2,
			min: -0.5, delta: 1.0 / 64, valueBits: 6, sequence: true, mult: randMult(32, 6)}
		vq4 = testBook{dims: 2, entries: 8, lengths: fill(8, 3), lookup: 2,
			min: 9.0 / 32, delta: 1.0 / 128, valueBits: 3, sequence: true, mult: randMult(16, 3)}
		vq5 = testBook{dims: 1, entries: 1, lengths: []int{1}, lookup: 2,
			min: 0.25, delta: 0, valueBits: 1, mult: []uint32{0}}
	}
	return []testBook{
		// 0: scalar, 16 entries of 4 bits.
		{dims: 1, entries: 16, lengths: fill(16, 4)},
		// 1: scalar classbook of 2 dimensions (4 classes).
		{dims: 2, entries: 16, lengths: fill(16, 4)},
		// 2: lattice VQ, values -1, 0, 1 in 4 dimensions; ordered lengths.
		{dims: 4, entries: 81, lengths: lattice, ordered: true, lookup: 1,
			min: -1, delta: 1, valueBits: 2, mult: []uint32{0, 1, 2}},
		// 3: VQ of 2 dimensions, sparse, cumulative values.
		vq3,
		// 4: LSP coefficients for floor 0: increasing steps of about 0.3,
		// so that the eight of them spread over (0, π) as real ones do
		// and the curve stays finite.
		vq4,
		// 5: a single entry (one codeword of 1 bit), value 0.25.
		vq5,
		// 6: scalar of 8 entries, lengths 1 to 7.
		{dims: 1, entries: 8, lengths: []int{1, 2, 3, 4, 5, 6, 7, 7}},
		// 7: scalar classbook with codewords of 11 and 12 bits.
		{dims: 1, entries: len(long), lengths: long, ordered: true},
	}
}

// synthSetup writes the setup header.
func synthSetup(rng *rand.Rand, explicit bool) []byte {
	var w bitWriter
	for _, c := range "\x05vorbis" {
		w.write(uint32(c), 8)
	}
	books := synthBooks(rng, explicit)
	w.write(uint32(len(books)-1), 8)
	for i := range books {
		books[i].write(&w)
	}
	w.write(0, 6) // one time domain transform
	w.write(0, 16)

	w.write(1, 6) // two floors
	// Floor 0: order 8, 16 kHz, Bark map of 128, 4 amplitude bits.
	w.write(0, 16)
	w.write(8, 8)
	w.write(16000, 16)
	w.write(128, 16)
	w.write(4, 6)
	w.write(10, 8)
	w.write(0, 4) // one book
	w.write(4, 8)
	// Floor 1: partitions of classes 0, 1, 0; X up to 256.
	w.write(1, 16)
	w.write(3, 5)
	for _, c := range []uint32{0, 1, 0} {
		w.write(c, 4)
	}
	// Class 0: 2 values, one subclass bit (master book 0), books 6 and
	// none. Class 1: 3 values, book 6.
	w.write(2-1, 3)
	w.write(1, 2)
	w.write(0, 8)
	w.write(6+1, 8)
	w.write(0, 8)
	w.write(3-1, 3)
	w.write(0, 2)
	w.write(6+1, 8)
	w.write(2-1, 2) // multiplier 2: range 128
	// X values of 9 bits, so that the curve spans the long block: ffmpeg
	// draws floor 1 only up to 2^rangebits, where the specification
	// extends the last value to the end of the block. The libvorbis
	// stream has X values of 8 bits, to test the extension.
	xbits := uint(9)
	if explicit {
		xbits = 8
	}
	w.write(uint32(xbits), 4)
	for _, x := range []uint32{128, 64, 32, 200, 16, 96, 160} {
		w.write(x<<(xbits-8), xbits)
	}

	w.write(2, 6) // three residues
	type res struct {
		kind, begin, end, psize int
		classbook               int
		books                   [][]int // per class: book of each pass, -1 none
	}
	// ffmpeg refuses residues that end beyond the vector of a block they
	// are used with, which the specification clamps: only the libvorbis
	// stream has such ends.
	end0, end2 := 120, 250
	if explicit {
		end0, end2 = 192, 700
	}
	residues := []res{
		{0, 0, end0, 8, 1, [][]int{{}, {2}, {2, 3}, {3, -1, -1, 5}}},
		{1, 16, 500, 12, 7, [][]int{{}, {2}, {3, 2}}},
		{2, 0, end2, 16, 0, [][]int{{3}, {2, 3}}},
	}
	for _, r := range residues {
		w.write(uint32(r.kind), 16)
		w.write(uint32(r.begin), 24)
		w.write(uint32(r.end), 24)
		w.write(uint32(r.psize-1), 24)
		w.write(uint32(len(r.books)-1), 6)
		w.write(uint32(r.classbook), 8)
		for _, passes := range r.books {
			cascade := uint32(0)
			for j, b := range passes {
				if b >= 0 {
					cascade |= 1 << j
				}
			}
			w.write(cascade&7, 3)
			w.flag(cascade > 7)
			if cascade > 7 {
				w.write(cascade>>3, 5)
			}
		}
		for _, passes := range r.books {
			for _, b := range passes {
				if b >= 0 {
					w.write(uint32(b), 8)
				}
			}
		}
	}

	w.write(2, 6) // three mappings
	type mp struct {
		mux      []uint32 // nil: one submap
		coupling [][2]uint32
		submaps  [][2]uint32 // floor, residue
	}
	// ffmpeg's native decoder couples channels as libvorbis does only in a
	// mapping of one submap and residue type 2, as every encoder writes
	// them (the fixtures test that): only the libvorbis stream couples.
	var couple0, couple1 [][2]uint32
	if explicit {
		couple0 = [][2]uint32{{0, 2}, {1, 0}}
		couple1 = [][2]uint32{{0, 1}}
	}
	mappings := []mp{
		{[]uint32{1, 1, 0}, couple0, [][2]uint32{{0, 0}, {1, 2}}},
		{nil, couple1, [][2]uint32{{1, 1}}},
		{[]uint32{1, 0, 1}, nil, [][2]uint32{{1, 0}, {0, 2}}},
	}
	for _, m := range mappings {
		w.write(0, 16)
		w.flag(m.mux != nil)
		if m.mux != nil {
			w.write(uint32(len(m.submaps)-1), 4)
		}
		w.flag(m.coupling != nil)
		if m.coupling != nil {
			w.write(uint32(len(m.coupling)-1), 8)
			for _, c := range m.coupling {
				w.write(c[0], ilog(3-1))
				w.write(c[1], ilog(3-1))
			}
		}
		w.write(0, 2)
		for _, x := range m.mux {
			w.write(x, 4)
		}
		for _, s := range m.submaps {
			w.write(0, 8)
			w.write(s[0], 8)
			w.write(s[1], 8)
		}
	}

	w.write(3, 6) // four modes
	for _, md := range synthModes {
		w.flag(md.long)
		w.write(0, 16)
		w.write(0, 16)
		w.write(md.mapping, 8)
	}
	w.flag(true)
	return w.buf
}

// synthModes are the modes of the synthetic setup.
var synthModes = []struct {
	long    bool
	mapping uint32
}{{false, 0}, {true, 1}, {false, 2}, {true, 0}}

// synthStream returns the headers and audio packets of a synthetic stream:
// random but valid packets, whose long blocks declare the sizes of their
// neighbours correctly.
func synthStream(v synthVariant) ([][]byte, [][]byte) {
	rng := rand.New(rand.NewPCG(20240601, v.seed))
	headers := [][]byte{synthIdent(), synthComment(), synthSetup(rng, v.explicit)}
	id, err := parseIdentification(headers[0])
	if err != nil {
		panic(err)
	}
	s, err := parseSetup(headers[2], id)
	if err != nil {
		panic(err)
	}
	const n = 60
	modes := make([]int, n)
	for i := range modes {
		modes[i] = rng.IntN(len(synthModes))
	}
	long := func(i int) bool { return i >= 0 && i < n && synthModes[modes[i]].long }
	var audio [][]byte
	for i := range n {
		g := synthPacket{w: &bitWriter{}, rng: rng, s: s, id: id}
		g.write(modes[i], long(i-1), long(i+1))
		audio = append(audio, g.w.buf)
	}
	return headers, audio
}

// synthPacket writes one random audio packet for a setup, walking the
// packet syntax as the decoder reads it.
type synthPacket struct {
	w   *bitWriter
	rng *rand.Rand
	s   *setup
	id  identification
}

// code writes the codeword of a random used entry of book b and returns
// the entry.
func (g *synthPacket) code(b int) int {
	c := &g.s.books[b]
	k := g.rng.IntN(len(c.entry))
	g.codeOf(b, int(c.entry[k]))
	return int(c.entry[k])
}

// codeOf writes the codeword of entry e of book b.
func (g *synthPacket) codeOf(b, e int) {
	c := &g.s.books[b]
	for k, x := range c.entry {
		if int(x) == e {
			for i := range uint(c.lengths[k]) {
				g.w.write(c.codes[k]>>(31-i)&1, 1)
			}
			return
		}
	}
	panic("entry not used")
}

func (g *synthPacket) write(modeNum int, prevLong, nextLong bool) {
	w := g.w
	w.write(0, 1)
	w.write(uint32(modeNum), ilog(len(g.s.modes)-1))
	md := g.s.modes[modeNum]
	n := g.id.blocksizes[0]
	if md.long {
		w.flag(prevLong)
		w.flag(nextLong)
		n = g.id.blocksizes[1]
	}
	mp := g.s.mappings[md.mapping]
	ch := g.id.channels
	used := make([]bool, ch)
	for c := range ch {
		switch f := g.s.floors[mp.submapFloor[mp.mux[c]]].(type) {
		case *floor0:
			amp := g.rng.IntN(1 << f.ampBits)
			if g.rng.IntN(4) == 0 {
				amp = 0
			}
			w.write(uint32(amp), f.ampBits)
			if amp == 0 {
				continue
			}
			used[c] = true
			w.write(uint32(g.rng.IntN(len(f.books))), ilog(len(f.books)))
			book := f.books[0]
			for k := 0; k < f.order; k += g.s.books[book].dims {
				g.code(book)
			}
		case *floor1:
			nonzero := g.rng.IntN(5) > 0
			w.flag(nonzero)
			if !nonzero {
				continue
			}
			used[c] = true
			rng := floor1Range[f.multiplier-1]
			w.write(uint32(g.rng.IntN(rng)), f.rangeBits)
			w.write(uint32(g.rng.IntN(rng)), f.rangeBits)
			for _, class := range f.partitionClass {
				cbits := f.classSubBits[class]
				cval := 0
				if cbits > 0 {
					cval = g.code(f.classMaster[class])
				}
				for range f.classDims[class] {
					book := f.subBooks[class][cval&(1<<cbits-1)]
					cval >>= cbits
					if book >= 0 {
						g.code(book)
					}
				}
			}
		}
	}
	decode := slices.Clone(used)
	for i := range mp.magnitude {
		m, a := mp.magnitude[i], mp.angle[i]
		if decode[m] || decode[a] {
			decode[m], decode[a] = true, true
		}
	}
	for sm := range mp.submapResidue {
		var skip []bool
		for c := range ch {
			if int(mp.mux[c]) == sm {
				skip = append(skip, !decode[c])
			}
		}
		if len(skip) > 0 {
			g.residue(g.s.residues[mp.submapResidue[sm]], skip, n/2)
		}
	}
	// Bits nobody reads.
	for range g.rng.IntN(4) {
		w.write(g.rng.Uint32(), 8)
	}
}

// residue writes the residue of a submap's vectors (half is the vector
// length, skip the vectors not coded).
func (g *synthPacket) residue(r *residue, skip []bool, half int) {
	size := half
	if r.kind == 2 {
		all := true
		for _, s := range skip {
			all = all && s
		}
		if all {
			return
		}
		size *= len(skip)
		skip = []bool{false}
	}
	begin, end := min(r.begin, size), min(r.end, size)
	parts := (end - begin) / r.partitionSize
	if parts <= 0 {
		return
	}
	cb := &g.s.books[r.classbook]
	classes := make([][]int, len(skip))
	for j := range classes {
		classes[j] = make([]int, parts+cb.dims)
	}
	for pass := range 8 {
		for p := 0; p < parts; {
			if pass == 0 {
				for j := range skip {
					if skip[j] {
						continue
					}
					// A class word: perWord random classes, most
					// significant first. (Entries from classes^dims on,
					// which the specification reads modulo, libvorbis
					// takes for the end of the packet.)
					word := 0
					for i := range cb.dims {
						classes[j][p+i] = g.rng.IntN(r.classifications)
						word = word*r.classifications + classes[j][p+i]
					}
					g.codeOf(r.classbook, word)
				}
			}
			for i := 0; i < cb.dims && p < parts; i++ {
				for j := range skip {
					if skip[j] {
						continue
					}
					b := r.books[classes[j][p]][pass]
					if b < 0 {
						continue
					}
					dims := g.s.books[b].dims
					for k := 0; k < r.partitionSize; k += dims {
						g.code(int(b))
					}
				}
				p++
			}
		}
	}
}

func TestWriteSynthetic(t *testing.T) {
	if !*writeSynth {
		t.Skip("run with -synth to write the synthetic streams")
	}
	for _, v := range synthVariants {
		writeSynthetic(t, v)
	}
}

func writeSynthetic(t *testing.T, v synthVariant) {
	headers, audio := synthStream(v)
	d, err := NewDecoder(headers[0], headers[1], headers[2])
	if err != nil {
		t.Fatal(err)
	}
	// Granules: the samples decoded to the end of each packet, so that
	// nothing is trimmed.
	granules := []int64{0, 0, 0}
	total := int64(0)
	for _, p := range audio {
		out, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		total += int64(len(out[0]))
		granules = append(granules, total)
	}
	if err := os.WriteFile(v.path, oggPages(0x5eed, append(headers, audio...), granules), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSyntheticMatchesReference(t *testing.T) {
	for _, v := range synthVariants {
		t.Run(v.path, func(t *testing.T) { compareSynthetic(t, v) })
	}
}

func compareSynthetic(t *testing.T, v synthVariant) {
	packets := readPackets(t, v.path)
	headers, _ := synthStream(v)
	for i, h := range headers {
		if string(h) != string(packets[i]) {
			t.Fatalf("header %d of %s differs from synthStream's: rewrite it with -synth", i, v.path)
		}
	}
	d, err := NewDecoder(packets[0], packets[1], packets[2])
	if err != nil {
		t.Fatal(err)
	}
	got := make([][]float32, d.Channels())
	for _, p := range packets[3:] {
		out, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		for c := range out {
			got[c] = append(got[c], out[c]...)
		}
	}
	ref := audiotest.ReadRef(t, v.path+".s16le.gz", 3)
	if len(got[0]) != ref.Frames() {
		t.Fatalf("%d frames, the reference %d", len(got[0]), ref.Frames())
	}
	// ffmpeg's native decoder puts 3 channels in the order FL FR FC (the
	// stream's is L C R) and converts as audiotest.S16 does. ffmpeg's
	// libvorbis wrapper keeps the stream's order and converts by
	// truncating x·32767.
	order := []int{0, 2, 1}
	var q [][]int32
	if v.explicit {
		order = []int{0, 1, 2}
		q = make([][]int32, len(got))
		for c, ch := range got {
			q[c] = make([]int32, len(ch))
			for i, x := range ch {
				q[c][i] = max(-32768, min(32767, int32(x*32767)))
			}
		}
	} else {
		q = audiotest.Quantize(got, 16)
	}
	for c, rc := range order {
		snr := audiotest.SNR(ref.Channel(rc), q[c])
		t.Logf("channel %d: SNR %.1f dB, max difference %d", c, snr, audiotest.MaxDiff(ref.Channel(rc), q[c]))
		if snr < minSNRSynthetic {
			t.Errorf("channel %d: SNR %.1f dB against the reference, want ≥ %d", c, snr, minSNRSynthetic)
		}
	}
}

// minSNRSynthetic is the bound for the synthetic stream.
const minSNRSynthetic = 90
