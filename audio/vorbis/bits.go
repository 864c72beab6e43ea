package vorbis

import "encoding/binary"

// bitReader reads a packet as Vorbis packs it: values least significant
// bit first. A read past the end of the packet returns zero and sets eop,
// after which every read fails: the end-of-packet condition the
// specification talks about.
type bitReader struct {
	buf []byte
	pos int    // next byte to load into acc
	acc uint64 // loaded bits not yet consumed, next bit lowest
	n   uint   // number of valid bits in acc
	eop bool   // a read ran past the end of the packet
}

// reset starts reading p.
func (b *bitReader) reset(p []byte) {
	*b = bitReader{buf: p}
}

// refill loads bytes into acc until it holds at least 56 bits or the
// packet is exhausted.
func (b *bitReader) refill() {
	if b.pos+8 <= len(b.buf) {
		b.acc |= binary.LittleEndian.Uint64(b.buf[b.pos:]) << b.n
		k := (63 - b.n) >> 3
		b.pos += int(k)
		b.n += k << 3
		return
	}
	for b.n <= 56 && b.pos < len(b.buf) {
		b.acc |= uint64(b.buf[b.pos]) << b.n
		b.pos++
		b.n += 8
	}
}

// read returns the next k bits (k ≤ 32).
func (b *bitReader) read(k uint) uint32 {
	if b.n < k {
		b.refill()
		if b.n < k {
			b.fail()
			return 0
		}
	}
	v := uint32(b.acc & (1<<k - 1))
	b.acc >>= k
	b.n -= k
	return v
}

// flag reads one bit.
func (b *bitReader) flag() bool { return b.read(1) != 0 }

// peek returns the next 32 bits without consuming them, zero beyond the
// end of the packet, and how many of them are in the packet.
func (b *bitReader) peek() (uint32, uint) {
	if b.n < 32 {
		b.refill()
	}
	return uint32(b.acc), min(b.n, 32)
}

// skip consumes k bits that peek returned (k ≤ their count).
func (b *bitReader) skip(k uint) {
	b.acc >>= k
	b.n -= k
}

// fail marks the end of the packet as reached.
func (b *bitReader) fail() {
	b.eop = true
	b.pos = len(b.buf)
	b.acc, b.n = 0, 0
}

// bitsLeft is the number of bits not yet read.
func (b *bitReader) bitsLeft() int {
	return int(b.n) + 8*(len(b.buf)-b.pos)
}

// ilog is the specification's ilog: the position of the highest set bit
// of v, counting from 1, and 0 for v ≤ 0.
func ilog(v int) uint {
	n := uint(0)
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}
