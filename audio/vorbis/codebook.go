package vorbis

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// fastBits is the width of a codebook's direct lookup table: codewords up
// to this long decode with one table read.
const fastBits = 10

// A codebook is a Huffman code over its used entries plus, when it has a
// value mapping, the vector each entry decodes to in VQ context. Used
// entries are numbered in the order of their codewords (read as binary
// numbers, first bit most significant); that index addresses entry and
// the vectors.
type codebook struct {
	dims    int
	entries int
	lookup  int // value mapping type: 0 (none), 1 (lattice) or 2 (explicit)

	fast     []uint32 // next fastBits bits → index<<5 | length, 0: longer code
	fastMask uint32
	codes    []uint32 // left-aligned codeword of each used entry, ascending
	lengths  []uint8  // codeword length of each used entry
	entry    []int32  // entry number of each used entry
	vectors  []float32
}

// codebookSync starts every codebook.
const codebookSync = 0x564342

// readCodebook reads one codebook from the setup header, charging its
// tables to mem.
func readCodebook(br *bitReader, mem *budget) (codebook, error) {
	var c codebook
	if br.read(24) != codebookSync {
		return c, malformed("codebook does not start with its sync pattern")
	}
	c.dims = int(br.read(16))
	c.entries = int(br.read(24))
	ordered := br.flag()
	if br.eop {
		return c, errEOPSetup
	}
	if c.dims == 0 {
		return c, malformed("codebook of 0 dimensions")
	}
	// The lengths take a byte per entry until the code is built; an
	// ordered codebook declares every entry used, so its Huffman tables
	// are known to fit (or not) before anything is allocated.
	lengthCost := int64(c.entries)
	if ordered {
		lengthCost += huffmanCost(c.entries) + 12*int64(c.entries)
	}
	if err := mem.charge(lengthCost, "codeword lengths"); err != nil {
		return c, err
	}
	lengths := make([]uint8, c.entries)
	used := 0
	if ordered {
		length := int(br.read(5)) + 1
		for cur := 0; cur < c.entries; length++ {
			num := int(br.read(ilog(c.entries - cur)))
			if br.eop {
				return c, errEOPSetup
			}
			if length > 32 || num > c.entries-cur {
				return c, malformed("ordered codebook lengths overrun its entries")
			}
			for i := cur; i < cur+num; i++ {
				lengths[i] = uint8(length)
			}
			cur += num
		}
		used = c.entries
	} else {
		sparse := br.flag()
		need := c.entries // one flag per entry, or five length bits
		if !sparse {
			need *= 5
		}
		if br.bitsLeft() < need {
			return c, errEOPSetup
		}
		for i := range lengths {
			if !sparse || br.flag() {
				lengths[i] = uint8(br.read(5) + 1)
				used++
			}
		}
		if br.eop {
			return c, errEOPSetup
		}
	}
	mem.release(lengthCost) // lengths are dropped once the code is built
	if err := c.buildCode(lengths, used, mem); err != nil {
		return c, err
	}

	c.lookup = int(br.read(4))
	switch c.lookup {
	case 0:
		return c, nil
	case 1, 2:
	default:
		return c, malformed("codebook lookup type %d is reserved", c.lookup)
	}
	minimum := float32Unpack(br.read(32))
	delta := float32Unpack(br.read(32))
	valueBits := uint(br.read(4)) + 1
	sequence := br.flag()
	var nvals int
	if c.lookup == 1 {
		nvals = lookup1Values(c.entries, c.dims)
	} else {
		if int64(c.entries)*int64(c.dims) > int64(br.bitsLeft()) {
			return c, errEOPSetup
		}
		nvals = c.entries * c.dims
	}
	if br.eop || int64(nvals)*int64(valueBits) > int64(br.bitsLeft()) {
		return c, errEOPSetup
	}
	if err := mem.charge(4*int64(used)*int64(c.dims), "VQ vectors"); err != nil {
		return c, err
	}
	mult := make([]float32, nvals)
	for i := range mult {
		mult[i] = float32(br.read(valueBits))
	}
	c.vectors = make([]float32, len(c.entry)*c.dims)
	for k, e := range c.entry {
		v := c.vectors[k*c.dims : (k+1)*c.dims]
		last := float32(0)
		div := int64(1)
		for i := range v {
			var m float32
			if c.lookup == 1 {
				m = mult[(int64(e)/div)%int64(nvals)]
				// Once div exceeds every entry number, all further
				// quotients are 0: cap it there so it cannot overflow.
				div = min(div*int64(nvals), int64(c.entries)+1)
			} else {
				m = mult[int(e)*c.dims+i]
			}
			v[i] = m*delta + minimum + last
			if sequence {
				last = v[i]
			}
		}
	}
	return c, nil
}

// buildCode assigns the codewords (section 3.2.1: each used entry, in
// order, takes the lowest free codeword of its length) and builds the
// decoding tables.
func (c *codebook) buildCode(lengths []uint8, used int, mem *budget) error {
	// The codewords are sorted in a temporary list of 12 bytes each.
	if err := mem.charge(huffmanCost(used)+12*int64(used), "Huffman tables"); err != nil {
		return err
	}
	defer mem.release(12 * int64(used))
	type word struct {
		code   uint32 // left-aligned
		length uint8
		entry  int32
	}
	words := make([]word, 0, used)
	var marker [33]uint64 // next free codeword of each length, right-aligned
	for e, l := range lengths {
		if l == 0 {
			continue
		}
		code := marker[l]
		if code>>l != 0 {
			return malformed("codebook codeword lengths overpopulate the Huffman tree")
		}
		words = append(words, word{uint32(code << (32 - l)), l, int32(e)})
		// Taking this node takes the nodes above it on the same path:
		// move each shorter marker that pointed at an ancestor.
		for j := int(l); j > 0; j-- {
			if marker[j]&1 != 0 {
				if j == 1 {
					marker[1]++
				} else {
					marker[j] = marker[j-1] << 1
				}
				break
			}
			marker[j]++
		}
		// Longer markers that hung below the taken node move below the
		// new free node.
		for j := int(l) + 1; j <= 32; j++ {
			if marker[j]>>1 != code {
				break
			}
			code = marker[j]
			marker[j] = marker[j-1] << 1
		}
	}
	single := len(words) == 1
	if single && words[0].length != 1 {
		return malformed("single-entry codebook with a codeword of %d bits, not 1", words[0].length)
	}
	if !single {
		for j := 1; j <= 32; j++ {
			if marker[j]&(1<<j-1) != 0 {
				return malformed("codebook codeword lengths leave the Huffman tree incomplete")
			}
		}
	}
	slices.SortFunc(words, func(a, b word) int {
		switch {
		case a.code < b.code:
			return -1
		case a.code > b.code:
			return 1
		}
		return 0
	})
	c.codes = make([]uint32, len(words))
	c.lengths = make([]uint8, len(words))
	c.entry = make([]int32, len(words))
	c.fast = make([]uint32, 1<<fastBits)
	c.fastMask = 1<<fastBits - 1
	for k, w := range words {
		c.codes[k], c.lengths[k], c.entry[k] = w.code, w.length, w.entry
		if w.length > fastBits {
			continue
		}
		rev := bits.Reverse32(w.code) // first bit of the codeword lowest
		for x := rev; x < 1<<fastBits; x += 1 << w.length {
			c.fast[x] = uint32(k)<<5 | uint32(w.length)
		}
	}
	if single {
		// Either bit value reads the one entry (errata 20150226).
		for x := range c.fast {
			c.fast[x] = 1
		}
	}
	return nil
}

// huffmanCost is the size in bytes of the decoding tables of a code of n
// used entries: codeword, length and entry of each, and the lookup table.
func huffmanCost(n int) int64 {
	return 9*int64(n) + 4<<fastBits
}

// decodeIndex reads one codeword and returns the index of its used entry,
// or -1 at the end of the packet (or for a codebook without entries).
func (c *codebook) decodeIndex(br *bitReader) int {
	if br.n < 32 {
		br.refill()
	}
	p := uint32(br.acc)
	if f := c.fast[p&c.fastMask]; f != 0 {
		l := uint(f & 31)
		if l > br.n {
			br.fail()
			return -1
		}
		br.acc >>= l
		br.n -= l
		return int(f >> 5)
	}
	return c.decodeLong(br, p)
}

// decodeLong finds a codeword longer than the lookup table (or any, for a
// codebook without entries) whose first 32 bits are p.
func (c *codebook) decodeLong(br *bitReader, p uint32) int {
	if len(c.codes) == 0 {
		br.fail()
		return -1
	}
	x := bits.Reverse32(p)
	// The codeword is the greatest one not above x.
	lo, hi := 0, len(c.codes)
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if c.codes[mid] <= x {
			lo = mid
		} else {
			hi = mid
		}
	}
	l := uint(c.lengths[lo])
	if l > br.n {
		br.fail()
		return -1
	}
	br.skip(l)
	return lo
}

// decodeScalar reads one codeword in scalar context: its entry number, or
// -1 at the end of the packet.
func (c *codebook) decodeScalar(br *bitReader) int {
	k := c.decodeIndex(br)
	if k < 0 {
		return -1
	}
	return int(c.entry[k])
}

// decodeVector reads one codeword in VQ context: its vector, or nil at
// the end of the packet.
func (c *codebook) decodeVector(br *bitReader) []float32 {
	k := c.decodeIndex(br)
	if k < 0 {
		return nil
	}
	return c.vectors[k*c.dims : (k+1)*c.dims]
}

// float32Unpack decodes the specification's packed float: a 21-bit
// mantissa, a sign and a 10-bit exponent biased by 788.
func float32Unpack(x uint32) float32 {
	m := float64(x & 0x1fffff)
	if x&0x80000000 != 0 {
		m = -m
	}
	return float32(math.Ldexp(m, int(x>>21&0x3ff)-788))
}

// lookup1Values is the greatest r with r^dims ≤ entries.
func lookup1Values(entries, dims int) int {
	if entries < 1 {
		return 0
	}
	r := int(math.Floor(math.Pow(float64(entries), 1/float64(dims))))
	// Correct the float estimate by exact integer checks.
	pow := func(b int) int64 { // b^dims, saturating above entries
		acc := int64(1)
		for range dims {
			acc *= int64(b)
			if acc > int64(entries) {
				return int64(entries) + 1
			}
		}
		return acc
	}
	r = max(r, 1)
	for r > 1 && pow(r) > int64(entries) {
		r--
	}
	for pow(r+1) <= int64(entries) {
		r++
	}
	return r
}

// malformed returns an error wrapping pcm.ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("vorbis: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// errEOPSetup is a setup header that ends before its last field.
var errEOPSetup = fmt.Errorf("vorbis: setup header is truncated: %w", pcm.ErrMalformed)
