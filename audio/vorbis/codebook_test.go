package vorbis

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// buildTestCode builds the Huffman code of the given lengths (0: unused).
func buildTestCode(lengths []int) (*codebook, error) {
	l := make([]uint8, len(lengths))
	used := 0
	for i, v := range lengths {
		l[i] = uint8(v)
		if v > 0 {
			used++
		}
	}
	c := &codebook{dims: 1, entries: len(lengths)}
	var mem budget
	return c, c.buildCode(l, used, &mem)
}

// codeString returns entry e's codeword as the specification writes it.
func codeString(c *codebook, e int) string {
	for k, x := range c.entry {
		if int(x) == e {
			s := ""
			for i := range int(c.lengths[k]) {
				s += fmt.Sprint(c.codes[k] >> (31 - i) & 1)
			}
			return s
		}
	}
	return "unused"
}

// TestCodewordsOfSpecExample checks the codeword assignment against the
// example of section 3.2.1 and decodes them back.
func TestCodewordsOfSpecExample(t *testing.T) {
	c, err := buildTestCode([]int{2, 4, 4, 4, 4, 2, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"00", "0100", "0101", "0110", "0111", "10", "110", "111"}
	var w bitWriter
	for e, s := range want {
		if got := codeString(c, e); got != s {
			t.Errorf("entry %d: codeword %s, want %s", e, got, s)
		}
	}
	// Write entries 7, 0, 3, 5 and read them back.
	seq := []int{7, 0, 3, 5, 1, 6}
	for _, e := range seq {
		for _, b := range want[e] {
			w.write(uint32(b-'0'), 1)
		}
	}
	var br bitReader
	br.reset(w.buf)
	for _, e := range seq {
		if got := c.decodeScalar(&br); got != e {
			t.Fatalf("decoded %d, want %d", got, e)
		}
	}
	// The rest is padding, which may hold short codewords; then the
	// packet ends.
	for c.decodeScalar(&br) != -1 {
	}
	if !br.eop {
		t.Error("reading past the end of the packet did not set end-of-packet")
	}
}

// TestLongCodewords checks codewords longer than the lookup table, which
// take the binary search.
func TestLongCodewords(t *testing.T) {
	lengths := []int{1}
	for l := 2; l <= 24; l++ {
		lengths = append(lengths, l)
	}
	lengths = append(lengths, 24) // complete: 1/2 + 1/4 + ... + 2/2^24
	c, err := buildTestCode(lengths)
	if err != nil {
		t.Fatal(err)
	}
	var w bitWriter
	for e := len(lengths) - 1; e >= 0; e-- {
		for _, b := range codeString(c, e) {
			w.write(uint32(b-'0'), 1)
		}
	}
	var br bitReader
	br.reset(w.buf)
	for e := len(lengths) - 1; e >= 0; e-- {
		if got := c.decodeScalar(&br); got != e {
			t.Fatalf("decoded %d, want %d", got, e)
		}
	}
}

func TestHuffmanTreeChecks(t *testing.T) {
	for _, tc := range []struct {
		lengths []int
		ok      bool
	}{
		{[]int{1, 1}, true},
		{[]int{1, 1, 1}, false},           // overpopulated
		{[]int{1, 2}, false},              // underpopulated
		{[]int{2, 2, 2}, false},           // underpopulated
		{[]int{0, 3, 0}, false},           // one entry of 3 bits
		{[]int{0, 1, 0}, true},            // single entry of 1 bit
		{[]int{1}, true},                  // single entry, not sparse
		{[]int{0, 0, 0}, true},            // no entry: nothing to read
		{[]int{1, 0, 2, 0, 2}, true},      // sparse, complete
		{[]int{32, 1, 2, 3, 4}, false},    // underpopulated deep tree
		{[]int{1, 32, 32, 31, 30}, false}, // underpopulated
	} {
		_, err := buildTestCode(tc.lengths)
		if (err == nil) != tc.ok {
			t.Errorf("lengths %v: error %v, want ok=%v", tc.lengths, err, tc.ok)
		}
		if err != nil && !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("lengths %v: %v does not wrap ErrMalformed", tc.lengths, err)
		}
	}
}

// TestSingleEntryCodebook: reading from a codebook of one used entry
// returns it and sinks one bit, whatever the bit (errata 20150226).
func TestSingleEntryCodebook(t *testing.T) {
	c, err := buildTestCode([]int{0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	var br bitReader
	br.reset([]byte{0b10110})
	for i := range 8 {
		if got := c.decodeScalar(&br); got != 2 {
			t.Fatalf("read %d: entry %d, want 2", i, got)
		}
	}
	if c.decodeScalar(&br) != -1 || !br.eop {
		t.Fatal("a ninth read of a one-byte packet did not end the packet")
	}
}

func TestEmptyCodebookReadsNothing(t *testing.T) {
	c, err := buildTestCode([]int{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	var br bitReader
	br.reset([]byte{0xff, 0xff})
	if c.decodeScalar(&br) != -1 || !br.eop {
		t.Fatal("a codebook without entries decoded something")
	}
}

func TestLookup1Values(t *testing.T) {
	for _, tc := range []struct{ entries, dims, want int }{
		{81, 4, 3}, {80, 4, 2}, {1, 1, 1}, {16, 2, 4}, {17, 2, 4}, {15, 2, 3},
		{1 << 24, 1, 1 << 24}, {1<<24 - 1, 24, 1}, {1 << 24, 24, 2}, {1 << 24, 65535, 1},
		{6561, 8, 3}, {6560, 8, 2}, {0, 3, 0},
	} {
		if got := lookup1Values(tc.entries, tc.dims); got != tc.want {
			t.Errorf("lookup1Values(%d, %d) = %d, want %d", tc.entries, tc.dims, got, tc.want)
		}
	}
}

func TestFloat32Unpack(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 0.5, -0.25, 1.0 / 64, 3, 1 << 20, 1.0 / (1 << 30)} {
		if got := float32Unpack(float32Pack(v)); float64(got) != v {
			t.Errorf("unpack(pack(%g)) = %g", v, got)
		}
	}
	// The largest exponent and mantissa stay finite or become +Inf, never
	// NaN.
	if v := float32Unpack(0x7fffffff); math.IsNaN(float64(v)) {
		t.Errorf("largest value unpacks to NaN")
	}
}
