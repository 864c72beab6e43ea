package mkv

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

func TestParseID(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		id   uint32
		n    int
		ok   bool
		name string
	}{
		{[]byte{0xA3}, 0xA3, 1, true, "1 byte"},
		{[]byte{0x42, 0x86, 9}, 0x4286, 2, true, "2 bytes"},
		{[]byte{0x2A, 0xD7, 0xB1}, 0x2AD7B1, 3, true, "3 bytes"},
		{[]byte{0x1A, 0x45, 0xDF, 0xA3}, 0x1A45DFA3, 4, true, "4 bytes"},
		{[]byte{0x1A, 0x45}, 0, 4, false, "cut short"},
		{[]byte{0x08, 1, 2, 3, 4}, 0, 1, false, "5 bytes: beyond EBMLMaxIDLength"},
		{[]byte{0x00}, 0, 1, false, "no marker"},
		{[]byte{0xFF}, 0, 1, false, "all ones"},
		{[]byte{0x80}, 0, 1, false, "all zeros"},
		{[]byte{0x7F, 0xFF}, 0, 2, false, "all ones in 2 bytes"},
		{nil, 0, 1, false, "empty"},
	} {
		id, n, ok := parseID(c.in)
		if id != c.id || n != c.n || ok != c.ok {
			t.Errorf("%s: parseID = %#x, %d, %v; want %#x, %d, %v", c.name, id, n, ok, c.id, c.n, c.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		size int64
		n    int
		ok   bool
	}{
		{[]byte{0x81}, 1, 1, true},
		{[]byte{0x80}, 0, 1, true},
		{[]byte{0xFF}, unknownSize, 1, true},
		{[]byte{0x7F, 0xFF}, unknownSize, 2, true},
		{[]byte{0x40, 0x7F}, 127, 2, true}, // not the shortest form: allowed
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, unknownSize, 8, true},
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}, 1<<56 - 2, 8, true},
		{[]byte{0x10, 0, 0}, 0, 4, false},
		{[]byte{0x00, 1}, 0, 1, false},
		{nil, 0, 1, false},
	} {
		size, n, ok := parseSize(c.in)
		if size != c.size || n != c.n || ok != c.ok {
			t.Errorf("parseSize(% x) = %d, %d, %v; want %d, %d, %v", c.in, size, n, ok, c.size, c.n, c.ok)
		}
	}
}

// TestSizeBytes checks the tests' own size encoder against parseSize.
func TestSizeBytes(t *testing.T) {
	for _, n := range []uint64{0, 1, 126, 127, 128, 16382, 16383, 1 << 20, 1<<56 - 2} {
		size, _, ok := parseSize(sizeBytes(n))
		if !ok || size != int64(n) {
			t.Errorf("size %d encodes as % x, which reads as %d", n, sizeBytes(n), size)
		}
	}
}

func TestReadValues(t *testing.T) {
	b := bytes.Join([][]byte{
		uintEl(0x81, 0x0102030405060708),
		intEl(0x82, -5),
		floatEl(0x83, 44100),
		el(0x84, []byte{0x47, 0x2C, 0x44, 0x00}), // 44100 as a 4-byte float
		el(0x85, []byte("webm\x00\x00")),
		el(0x86),                  // an empty integer: 0
		el(0x87, make([]byte, 9)), // too long for an integer
		el(0x88, make([]byte, 3)), // a float of 3 bytes
	}, nil)
	e, err := newEBMLReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	next := func() element {
		h, err := e.readHeader(e.size)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if v, err := e.readUint(next(), "u"); err != nil || v != 0x0102030405060708 {
		t.Errorf("uint: %#x, %v", v, err)
	}
	if v, err := e.readInt(next(), "i"); err != nil || v != -5 {
		t.Errorf("int: %d, %v", v, err)
	}
	if v, err := e.readFloat(next(), "f"); err != nil || v != 44100 {
		t.Errorf("float64: %v, %v", v, err)
	}
	if v, err := e.readFloat(next(), "f"); err != nil || v != 44100 {
		t.Errorf("float32: %v, %v", v, err)
	}
	if v, err := e.readString(next(), 10, "s"); err != nil || v != "webm" {
		t.Errorf("string: %q, %v", v, err)
	}
	if v, err := e.readUint(next(), "u"); err != nil || v != 0 {
		t.Errorf("empty uint: %d, %v", v, err)
	}
	h := next()
	if _, err := e.readUint(h, "u"); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("9-byte uint: %v", err)
	}
	e.skip(h)
	if _, err := e.readFloat(next(), "f"); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("3-byte float: %v", err)
	}
}

// TestReadHeaderBounds checks the checks of readHeader: an element may not
// overrun its parent or the file, and io.EOF comes exactly at the parent's
// end or at the end of the file in a parent of unknown size.
func TestReadHeaderBounds(t *testing.T) {
	child := el(0x81, []byte{1, 2, 3})
	parent := el(0xA0, child)
	for _, c := range []struct {
		name   string
		file   []byte
		limit  int64 // parent end; -2: the file size
		want   error // nil, io.EOF or pcm.ErrMalformed
		wantID uint32
	}{
		{"fits", parent, -2, nil, 0xA0},
		{"at the parent's end", parent, 0, io.EOF, 0},
		{"overruns the parent", parent, 4, pcm.ErrMalformed, 0},
		{"header overruns the parent", parent, 1, pcm.ErrMalformed, 0},
		{"overruns the file", parent[:len(parent)-1], -1, pcm.ErrMalformed, 0},
		{"end of file in a parent of unknown size", nil, -1, io.EOF, 0},
		{"end of file in a parent of known size", nil, 10, pcm.ErrMalformed, 0},
		{"header cut", []byte{0x1A, 0x45}, -1, pcm.ErrMalformed, 0},
		{"size cut", []byte{0xA0, 0x40}, -1, pcm.ErrMalformed, 0},
		{"unknown size", []byte{0xA0, 0xFF, 1}, -1, nil, 0xA0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, _ := newEBMLReader(bytes.NewReader(c.file))
			limit := c.limit
			if limit == -2 {
				limit = e.size
			}
			h, err := e.readHeader(limit)
			switch {
			case c.want == nil && err != nil:
				t.Fatal(err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("%v, want %v", err, c.want)
			case c.want == nil && h.id != c.wantID:
				t.Fatalf("ID %#x, want %#x", h.id, c.wantID)
			}
		})
	}
}

// TestSeekOverLargeElements checks that skipping an element larger than
// the buffer seeks instead of reading, and that the reader then reads on
// from the right place.
func TestSeekOverLargeElements(t *testing.T) {
	big := el(idVoid, make([]byte, 3*readBufSize))
	b := append(append(big, uintEl(0x81, 7)...), 0xAA)
	r := &countingReader{r: bytes.NewReader(b)}
	e, err := newEBMLReader(r)
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.readHeader(e.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.skip(h); err != nil {
		t.Fatal(err)
	}
	h, err = e.readHeader(e.size)
	if err != nil || h.id != 0x81 {
		t.Fatalf("after the skip: %+v, %v", h, err)
	}
	if v, err := e.readUint(h, "u"); v != 7 || err != nil {
		t.Fatalf("value after the skip: %d, %v", v, err)
	}
	if r.read > 2*readBufSize {
		t.Errorf("read %d bytes to skip %d", r.read, len(big))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r    *bytes.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }

// stuckReader returns nothing, without an error, for ever.
type stuckReader struct{ bytes.Reader }

func (*stuckReader) Read([]byte) (int, error) { return 0, nil }

// TestStuckReader checks that a reader making no progress is an error, not
// a hang.
func TestStuckReader(t *testing.T) {
	_, err := NewDecoder(&stuckReader{*bytes.NewReader(make([]byte, 100))})
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("%v, want io.ErrNoProgress", err)
	}
}

// TestStartsAtCurrentPosition checks that the file is read from the
// reader's position when NewDecoder is called, not from 0.
func TestStartsAtCurrentPosition(t *testing.T) {
	b := audiotest.ReadFixture(t, "live.webm")
	r := bytes.NewReader(append([]byte("some prefix"), b...))
	r.Seek(int64(len("some prefix")), io.SeekStart)
	dec, err := NewDecoder(r)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := drain(t, dec); err != nil || n != 38400 {
		t.Fatalf("%d frames, %v", n, err)
	}
}
