package mp3

import "encoding/binary"

// bitPad is how many zero bytes must follow the data of a bitReader's
// buffer: peek loads 8 bytes, and a reader may run up to 18 bytes past the
// data (a granule's scalefactors, 144 bits at most) before it checks its
// position against the data's end.
const bitPad = 32

// A bitReader reads big-endian bit fields from a byte slice. The caller
// bounds every position it reads at by the data's length; buf must extend
// bitPad zero bytes beyond that bound.
type bitReader struct {
	buf []byte
	pos int // in bits
}

// peek returns the next n bits (1 ≤ n ≤ 32) without consuming them.
func (r *bitReader) peek(n int) uint32 {
	v := binary.BigEndian.Uint64(r.buf[r.pos>>3:])
	return uint32(v << (r.pos & 7) >> (64 - n))
}

// read consumes and returns the next n bits (0 ≤ n ≤ 32).
func (r *bitReader) read(n int) uint32 {
	if n == 0 {
		return 0
	}
	v := r.peek(n)
	r.pos += n
	return v
}

// bit consumes and returns the next bit.
func (r *bitReader) bit() uint32 {
	v := uint32(r.buf[r.pos>>3]) >> (7 - r.pos&7) & 1
	r.pos++
	return v
}
