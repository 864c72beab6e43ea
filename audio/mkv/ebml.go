package mkv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// readBufSize is the size of an ebmlReader's buffer. Element headers and
// the small values of the headers are read through it; a skip longer than
// what it holds seeks.
const readBufSize = 32 << 10

// maxHeaderLen is the longest element header: a 4-byte ID (EBMLMaxIDLength
// is at most 4 in Matroska) and an 8-byte size.
const maxHeaderLen = 4 + 8

// maxEmptyReads is how many reads in a row may return nothing, without an
// error, before the reader is deemed stuck (as in bufio).
const maxEmptyReads = 100

// unknownSize is the size of an element whose size field is all ones
// (RFC 8794 section 6.2): it ends where an element that cannot be its child
// starts.
const unknownSize = -1

// An element is the header of one EBML element.
type element struct {
	id   uint32 // with its length marker, as written
	off  int64  // offset of the ID in the file
	data int64  // offset of the data
	size int64  // data length, or unknownSize
}

// end is the offset just past the element's data, or -1 for unknown size.
func (e element) end() int64 {
	if e.size == unknownSize {
		return -1
	}
	return e.data + e.size
}

// An ebmlReader reads EBML elements from a file through a fixed buffer,
// seeking forward over what it skips. Offsets are from the position the
// file had when the reader was made.
type ebmlReader struct {
	r    io.ReadSeeker
	base int64 // position of the file's first byte in r
	size int64 // file length
	off  int64 // file offset of buf[0]
	i, n int   // buf[i:n] is buffered and not yet read
	buf  [readBufSize]byte
}

// newEBMLReader returns a reader of the file that starts at r's current
// position and ends at r's end.
func newEBMLReader(r io.ReadSeeker) (*ebmlReader, error) {
	base, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("mkv: finding the start of the file: %w", err)
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("mkv: finding the length of the file: %w", err)
	}
	if _, err := r.Seek(base, io.SeekStart); err != nil {
		return nil, fmt.Errorf("mkv: seeking back to the start of the file: %w", err)
	}
	if end < base {
		return nil, fmt.Errorf("mkv: the reader's end %d is before its position %d: %w", end, base, errBadSeeker)
	}
	return &ebmlReader{r: r, base: base, size: end - base}, nil
}

// errBadSeeker marks a ReadSeeker whose positions contradict each other.
var errBadSeeker = errors.New("inconsistent seeker")

// pos is the offset of the next unread byte.
func (e *ebmlReader) pos() int64 { return e.off + int64(e.i) }

// fill makes at least k bytes (k ≤ readBufSize) buffered if the file has
// them, and returns how many are buffered. Only errors other than the end
// of the file are returned.
func (e *ebmlReader) fill(k int) (int, error) {
	if e.n-e.i >= k {
		return e.n - e.i, nil
	}
	if e.i > 0 {
		e.n = copy(e.buf[:], e.buf[e.i:e.n])
		e.off += int64(e.i)
		e.i = 0
	}
	for zero := 0; e.n < k; {
		m, err := e.r.Read(e.buf[e.n:])
		e.n += m
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return e.n, err
		}
		if m > 0 {
			zero = 0
		} else if zero++; zero >= maxEmptyReads {
			return e.n, io.ErrNoProgress
		}
	}
	return e.n - e.i, nil
}

// seek moves the read position to off, within what is buffered when it can,
// else by seeking the underlying reader.
func (e *ebmlReader) seek(off int64) error {
	if off >= e.off && off <= e.off+int64(e.n) {
		e.i = int(off - e.off)
		return nil
	}
	if _, err := e.r.Seek(e.base+off, io.SeekStart); err != nil {
		return fmt.Errorf("mkv: seeking to offset %d: %w", off, err)
	}
	e.off, e.i, e.n = off, 0, 0
	return nil
}

// readHeader reads the header of the element at the read position, which
// must lie inside a parent ending at parentEnd (-1: a parent of unknown
// size, bounded by the file). At parentEnd, or at the end of the file in a
// parent of unknown size, it returns io.EOF. The element's data must fit in
// its parent and in the file.
func (e *ebmlReader) readHeader(parentEnd int64) (element, error) {
	off := e.pos()
	if off == parentEnd {
		return element{}, io.EOF
	}
	avail, err := e.fill(maxHeaderLen)
	if err != nil {
		return element{}, readErr(err, "an element header", off)
	}
	if avail == 0 && parentEnd < 0 {
		return element{}, io.EOF
	}
	b := e.buf[e.i : e.i+avail]
	if len(b) == 0 {
		return element{}, malformed("file is truncated at offset %d, inside an element that should end at offset %d", off, parentEnd)
	}
	id, idLen, ok := parseID(b)
	if !ok {
		if idLen > len(b) {
			return element{}, malformed("file is truncated inside an element ID at offset %d", off)
		}
		return element{}, malformed("invalid element ID at offset %d", off)
	}
	size, sizeLen, ok := parseSize(b[idLen:])
	if !ok {
		if idLen+sizeLen > len(b) {
			return element{}, malformed("file is truncated inside the header of the element at offset %d", off)
		}
		return element{}, malformed("invalid size of the element at offset %d", off)
	}
	el := element{id: id, off: off, data: off + int64(idLen+sizeLen), size: size}
	if parentEnd >= 0 && el.data > parentEnd {
		return element{}, malformed("header of the element at offset %d overruns its parent, which ends at offset %d", off, parentEnd)
	}
	if size != unknownSize {
		switch {
		case parentEnd >= 0 && size > parentEnd-el.data:
			return element{}, malformed("an element at offset %d declares %d bytes, overrunning its parent, which ends at offset %d", off, size, parentEnd)
		case size > e.size-el.data:
			return element{}, malformed("an element at offset %d declares %d bytes but the file ends %d bytes after its header (truncated file?)", off, size, max(e.size-el.data, 0))
		}
	}
	e.i += idLen + sizeLen
	return el, nil
}

// parseID decodes the element ID at the start of b. It returns the ID with
// its length marker, the ID's length and whether it is valid and complete;
// when b is too short, the length tells how many bytes it needs.
func parseID(b []byte) (id uint32, n int, ok bool) {
	if len(b) == 0 {
		return 0, 1, false
	}
	first := b[0]
	switch {
	case first&0x80 != 0:
		n = 1
	case first&0x40 != 0:
		n = 2
	case first&0x20 != 0:
		n = 3
	case first&0x10 != 0:
		n = 4
	default:
		return 0, 1, false // longer than EBMLMaxIDLength 4, or no marker
	}
	if len(b) < n {
		return 0, n, false
	}
	var v uint32
	for _, c := range b[:n] {
		v = v<<8 | uint32(c)
	}
	// The data bits (all but the marker) may be neither all 0 nor all 1
	// (RFC 8794 section 5).
	mask := uint32(1)<<(7*uint(n)) - 1
	if bits := v & mask; bits == 0 || bits == mask {
		return 0, n, false
	}
	return v, n, true
}

// parseSize decodes the element data size at the start of b: the size (or
// unknownSize when its bits are all ones), its length, and whether it is
// valid and complete.
func parseSize(b []byte) (size int64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 1, false
	}
	first := b[0]
	if first == 0 {
		return 0, 1, false // longer than 8 bytes
	}
	n = 1
	for first&0x80 == 0 {
		first <<= 1
		n++
	}
	if len(b) < n {
		return 0, n, false
	}
	v := uint64(b[0]) & (0xFF >> n)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	if v == 1<<(7*uint(n))-1 {
		return unknownSize, n, true
	}
	return int64(v), n, true
}

// readFull reads len(p) bytes of data at the read position.
func (e *ebmlReader) readFull(p []byte, what string) error {
	off := e.pos()
	k := copy(p, e.buf[e.i:e.n])
	e.i += k
	if k == len(p) {
		return nil
	}
	// Read the rest directly, past the buffer.
	m, err := io.ReadFull(e.r, p[k:])
	e.off += int64(e.n) + int64(m)
	e.i, e.n = 0, 0
	if err != nil {
		return readErr(err, what, off)
	}
	return nil
}

// skip moves past the data of el, which must have a known size.
func (e *ebmlReader) skip(el element) error {
	return e.seek(el.end())
}

// small returns the data of el, at most 8 bytes long, from the buffer.
func (e *ebmlReader) small(el element, what string) ([]byte, error) {
	if el.size > 8 {
		return nil, malformed("%s at offset %d is %d bytes long, at most 8 are allowed", what, el.off, el.size)
	}
	n := int(el.size)
	avail, err := e.fill(n)
	if err != nil {
		return nil, readErr(err, what, el.data)
	}
	if avail < n {
		return nil, malformed("file is truncated inside %s at offset %d", what, el.data)
	}
	b := e.buf[e.i : e.i+n]
	e.i += n
	return b, nil
}

// readUint reads the unsigned integer el holds.
func (e *ebmlReader) readUint(el element, what string) (uint64, error) {
	b, err := e.small(el, what)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// readInt reads the signed integer el holds.
func (e *ebmlReader) readInt(el element, what string) (int64, error) {
	b, err := e.small(el, what)
	if err != nil || len(b) == 0 {
		return 0, err
	}
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v, nil
}

// readFloat reads the float el holds: 0, 4 or 8 bytes.
func (e *ebmlReader) readFloat(el element, what string) (float64, error) {
	if el.size != 0 && el.size != 4 && el.size != 8 {
		return 0, malformed("%s at offset %d is %d bytes long; a float is 0, 4 or 8", what, el.off, el.size)
	}
	b, err := e.small(el, what)
	switch {
	case err != nil:
		return 0, err
	case len(b) == 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case len(b) == 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	}
	return 0, nil
}

// readString reads the string el holds, at most maxLen bytes, without the
// NUL padding that may follow it.
func (e *ebmlReader) readString(el element, maxLen int, what string) (string, error) {
	if el.size > int64(maxLen) {
		return "", malformed("%s at offset %d is %d bytes long, at most %d are allowed", what, el.off, el.size, maxLen)
	}
	b := make([]byte, el.size)
	if err := e.readFull(b, what); err != nil {
		return "", err
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b), nil
}
