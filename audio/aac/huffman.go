package aac

// huffTable decodes one Huffman codebook through a two-level lookup: the
// next rootBits bits index the root, whose entry is either a codeword of
// at most rootBits bits or a link to a subtable indexed by the bits that
// follow. All AAC codebooks are complete prefix codes, so every bit
// pattern decodes.
type huffTable struct {
	rootBits uint
	entries  []uint32
}

// Entry layout: a leaf holds the symbol in bits 8–31 and its length (bits
// consumed at that level) in bits 0–4; a link sets bit 5 and holds the
// subtable's offset in bits 8–31 and its index width in bits 0–4.
const (
	huffLink       = 1 << 5
	huffLenMask    = 0x1f
	huffValueShift = 8
	// signShift is where codebooks.signed holds the sign bits' count; the
	// symbols below it are then masked by symbolMask.
	signShift  = 29
	symbolMask = 1<<(signShift-huffValueShift) - 1
)

// newHuffTable builds the table of a codebook given as codes[symbol] =
// length<<24 | codeword.
func newHuffTable(codes []uint32, rootBits uint) huffTable {
	t := huffTable{rootBits: rootBits, entries: make([]uint32, 1<<rootBits)}
	// Width of the subtable under each root prefix: the longest code
	// sharing that prefix, less rootBits.
	sub := make(map[uint32]uint, 16)
	for _, c := range codes {
		n, code := uint(c>>24), c&0xFFFFFF
		if n > rootBits {
			p := code >> (n - rootBits)
			sub[p] = max(sub[p], n-rootBits)
		}
	}
	for p := range uint32(1 << rootBits) {
		if w, ok := sub[p]; ok {
			t.entries[p] = uint32(len(t.entries))<<huffValueShift | huffLink | uint32(w)
			t.entries = append(t.entries, make([]uint32, 1<<w)...)
		}
	}
	for sym, c := range codes {
		n, code := uint(c>>24), c&0xFFFFFF
		if n <= rootBits {
			first := code << (rootBits - n)
			for i := range uint32(1 << (rootBits - n)) {
				t.entries[first+i] = uint32(sym)<<huffValueShift | uint32(n)
			}
			continue
		}
		link := t.entries[code>>(n-rootBits)]
		w := uint(link & huffLenMask)
		off := link >> huffValueShift
		rest := n - rootBits
		first := (code & (1<<rest - 1)) << (w - rest)
		for i := range uint32(1 << (w - rest)) {
			t.entries[off+first+i] = uint32(sym)<<huffValueShift | uint32(rest)
		}
	}
	return t
}

// decode reads one codeword and returns its symbol.
func (t *huffTable) decode(b *bitReader) int {
	e := t.entries[b.peek(t.rootBits)]
	if e&huffLink == 0 {
		b.skip(int(e & huffLenMask))
		return int(e >> huffValueShift)
	}
	b.skip(int(t.rootBits))
	e = t.entries[(e>>huffValueShift)+b.peek(uint(e&huffLenMask))]
	b.skip(int(e & huffLenMask))
	return int(e >> huffValueShift)
}

// codebooks holds the decoding tables of the scalefactor codebook and the
// eleven spectral codebooks, built once.
type codebooks struct {
	scalefactor huffTable
	spectral    [11]huffTable
	// values unpacks a spectral symbol into its 4 (or 2) quantized values,
	// one signed byte each, first value in the low byte.
	values [11][]uint32
	// biased are the values plus 16, one byte each: indices of
	// decoderTables.iqSmall.
	biased [11][]uint32
	// signed are the entries of spectral, with each codeword's count of
	// sign bits (of the nonzero values of an unsigned codebook) in bits
	// 29-31 of its leaves.
	signed [11][]uint32
}

// spectralBook describes a spectral codebook.
type spectralBook struct {
	quad     bool // 4 values per codeword, else 2
	unsigned bool // magnitudes, each nonzero one followed by a sign bit
	lav      int  // largest absolute value
}

var spectralBooks = [11]spectralBook{
	{true, false, 1}, {true, false, 1}, {true, true, 2}, {true, true, 2},
	{false, false, 4}, {false, false, 4}, {false, true, 7}, {false, true, 7},
	{false, true, 12}, {false, true, 12}, {false, true, 16},
}

// newCodebooks builds the tables.
func newCodebooks() *codebooks {
	cb := &codebooks{scalefactor: newHuffTable(scalefactorCodes[:], 9)}
	for i, codes := range spectralCodes {
		cb.spectral[i] = newHuffTable(codes, 8)
		bk := spectralBooks[i]
		mod, off := bk.lav+1, 0
		if !bk.unsigned {
			mod, off = 2*bk.lav+1, bk.lav
		}
		dim := 2
		if bk.quad {
			dim = 4
		}
		vals := make([]uint32, len(codes))
		for idx := range vals {
			var packed uint32
			r := idx
			for d := dim - 1; d >= 0; d-- {
				v := r%mod - off
				r /= mod
				packed |= uint32(uint8(int8(v))) << (8 * d)
			}
			vals[idx] = packed
		}
		cb.values[i] = vals
		cb.biased[i] = make([]uint32, len(vals))
		for idx, v := range vals {
			for d := range dim {
				cb.biased[i][idx] |= uint32(int8(v>>(8*d))+16) << (8 * d)
			}
		}
		cb.signed[i] = append([]uint32(nil), cb.spectral[i].entries...)
		for k, e := range cb.signed[i] {
			if e&huffLink != 0 || !bk.unsigned {
				continue
			}
			nz := uint32(0)
			for d := range dim {
				if vals[e>>huffValueShift]>>(8*d)&0xFF != 0 {
					nz++
				}
			}
			cb.signed[i][k] = e | nz<<signShift
		}
	}
	return cb
}
