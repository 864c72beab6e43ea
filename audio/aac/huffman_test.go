package aac

import (
	"fmt"
	"math/big"
	"testing"
)

// TestHuffmanTables checks every codebook: the number of codewords the
// specification gives, no codeword the prefix of another, and a complete
// code (Kraft sum exactly 1), so that a typo in a table cannot pass.
func TestHuffmanTables(t *testing.T) {
	sizes := [11]int{81, 81, 81, 81, 81, 81, 64, 64, 169, 169, 289}
	check := func(name string, codes []uint32, size int) {
		if len(codes) != size {
			t.Errorf("%s: %d codewords, want %d", name, len(codes), size)
		}
		sum := new(big.Rat)
		for i, a := range codes {
			la, ca := a>>24, a&0xFFFFFF
			if la == 0 || la > 24 || ca>>la != 0 {
				t.Errorf("%s: entry %d has length %d and code %#x", name, i, la, ca)
				continue
			}
			sum.Add(sum, big.NewRat(1, 1<<la))
			for j, b := range codes[:i] {
				lb, cb := b>>24, b&0xFFFFFF
				if lb <= la && ca>>(la-lb) == cb || la <= lb && cb>>(lb-la) == ca {
					t.Errorf("%s: codewords %d and %d share a prefix", name, j, i)
				}
			}
		}
		if sum.Cmp(big.NewRat(1, 1)) != 0 {
			t.Errorf("%s: Kraft sum %v, want 1", name, sum)
		}
	}
	for i, codes := range spectralCodes {
		check(fmt.Sprintf("spectral codebook %d", i+1), codes, sizes[i])
	}
	check("scalefactor codebook", scalefactorCodes[:], 121)
	// Every symbol decodes back through the lookup tables.
	books := newCodebooks()
	roundTrip := func(name string, table *huffTable, codes []uint32) {
		for sym, c := range codes {
			var w bitWriter
			w.code(c)
			w.write(0x5A5A, 16)
			b := newBitReader(w.bytes())
			if got := table.decode(&b); got != sym || b.pos != int(c>>24) {
				t.Fatalf("%s: symbol %d decodes as %d after %d bits", name, sym, got, b.pos)
			}
		}
	}
	for i, codes := range spectralCodes {
		roundTrip(fmt.Sprintf("spectral codebook %d", i+1), &books.spectral[i], codes)
	}
	roundTrip("scalefactor codebook", &books.scalefactor, scalefactorCodes[:])
}
