package mp3

// Huffman decoding of Layer III spectral values. Each code table of
// huffman_codes.go is turned, once, into a lookup table: the first
// huffLookupBits bits of the input index a first-level table whose
// entries are either a decoded value with its code length, or a pointer to
// a second-level table indexed by the following bits.

// huffLookupBits is the width of the first-level lookup.
const huffLookupBits = 8

// Lookup entries: 0 is an invalid code (no code has that prefix). The
// value of a leaf is in its low byte; the leaves of the pair tables hold
// in bits 8-9 how many of the pair's two values are nonzero (the sign
// bits that follow the code) and in bits 10-11 how many are 15 (which take
// linbits), so that the length of a pair's data is known from the lookup.
const (
	huffPointer = 1 << 31 // second-level table: bits 16-20 width, 0-15 offset
)

// A huffTable decodes one Huffman code.
type huffTable struct {
	lut  []uint32 // leaf: length<<16 | value; pointer: huffPointer | bits<<16 | offset
	bits int      // width of the first level
}

// A pairTable is a big-value table: a code and its linbits.
type pairTable struct {
	code    *huffTable // nil for table 0 (all zero) and the unused 4 and 14
	linbits int
	used    bool // false for tables 4 and 14
}

// huffTables holds the decoders: pair tables 0-31 and the two count1
// quadruple tables.
type huffTables struct {
	pairs  [32]pairTable
	count1 [2]huffTable
}

// huffman holds the decoders, built once from the code lists.
var huffman = buildHuffTables()

func buildHuffTables() *huffTables {
	t := &huffTables{}
	pair := func(codes []uint32, size int) *huffTable {
		values := make([]uint32, len(codes))
		for i := range codes {
			x, y := i/size, i%size
			values[i] = uint32(x<<4 | y)
			for _, v := range [2]int{x, y} {
				if v != 0 {
					values[i] += 1 << 8
				}
				if v == 15 {
					values[i] += 1 << 10
				}
			}
		}
		return buildHuffTable(codes, values)
	}
	t.pairs[0] = pairTable{used: true}
	for n, c := range map[int]struct {
		codes []uint32
		size  int
	}{
		1: {huffCodes1[:], 2}, 2: {huffCodes2[:], 3}, 3: {huffCodes3[:], 3},
		5: {huffCodes5[:], 4}, 6: {huffCodes6[:], 4},
		7: {huffCodes7[:], 6}, 8: {huffCodes8[:], 6}, 9: {huffCodes9[:], 6},
		10: {huffCodes10[:], 8}, 11: {huffCodes11[:], 8}, 12: {huffCodes12[:], 8},
		13: {huffCodes13[:], 16}, 15: {huffCodes15[:], 16},
	} {
		t.pairs[n] = pairTable{code: pair(c.codes, c.size), used: true}
	}
	t16, t24 := pair(huffCodes16[:], 16), pair(huffCodes24[:], 16)
	for i, lb := range [8]int{1, 2, 3, 4, 6, 8, 10, 13} {
		t.pairs[16+i] = pairTable{code: t16, linbits: lb, used: true}
	}
	for i, lb := range [8]int{4, 5, 6, 7, 8, 9, 11, 13} {
		t.pairs[24+i] = pairTable{code: t24, linbits: lb, used: true}
	}
	quad := make([]uint32, 16)
	for i := range quad {
		quad[i] = uint32(i)
	}
	t.count1[0] = *buildHuffTable(huffCodes32[:], quad)
	t.count1[1] = *buildHuffTable(huffCodes33[:], quad)
	return t
}

// buildHuffTable makes the lookup of the codes (length<<24 | code), which
// decode to values.
func buildHuffTable(codes, values []uint32) *huffTable {
	maxLen := 0
	for _, c := range codes {
		maxLen = max(maxLen, int(c>>24))
	}
	bits := min(maxLen, huffLookupBits)
	t := &huffTable{bits: bits, lut: make([]uint32, 1<<bits)}
	// Second-level widths: the longest code under each first-level prefix.
	sub := make([]int, 1<<bits)
	for _, c := range codes {
		if n := int(c >> 24); n > bits {
			p := c & 0xFFFFFF >> (n - bits)
			sub[p] = max(sub[p], n-bits)
		}
	}
	for p, w := range sub {
		if w > 0 {
			t.lut[p] = huffPointer | uint32(w)<<16 | uint32(len(t.lut))
			t.lut = append(t.lut, make([]uint32, 1<<w)...)
		}
	}
	for i, c := range codes {
		n, code := int(c>>24), c&0xFFFFFF
		if n <= bits {
			lo := code << (bits - n)
			for k := range uint32(1) << (bits - n) {
				t.lut[lo+k] = uint32(n)<<16 | values[i]
			}
			continue
		}
		e := t.lut[code>>(n-bits)]
		w, off := int(e>>16&31), e&0xFFFF
		rem := n - bits
		lo := off + (code&(1<<rem-1))<<(w-rem)
		for k := range uint32(1) << (w - rem) {
			t.lut[lo+k] = uint32(rem)<<16 | values[i]
		}
	}
	return t
}

// decode reads one code from r and returns its value, or false for a bit
// pattern that is no code of the table.
func (t *huffTable) decode(r *bitReader) (uint32, bool) {
	e := t.lut[r.peek(t.bits)]
	if e&huffPointer != 0 {
		r.pos += t.bits
		e = t.lut[e&0xFFFF+r.peek(int(e>>16&31))]
	}
	n := int(e >> 16)
	r.pos += n
	return e & 0xFF, n != 0
}
