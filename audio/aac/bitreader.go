package aac

import "encoding/binary"

// bitReader reads a byte slice most significant bit first. Reading past
// the end yields zero bits and marks the reader as overrun, so that the
// syntax parsers need not check every read: they check overrun() where an
// element ends. All loops of the AAC syntax are bounded by small constants
// or by counts already read, so reading zeros past the end cannot hang.
type bitReader struct {
	buf []byte
	pos int // bits consumed
}

// newBitReader returns a reader of buf.
func newBitReader(buf []byte) bitReader { return bitReader{buf: buf} }

// peek returns the next n bits (n ≤ 32) without consuming them.
func (b *bitReader) peek(n uint) uint32 {
	if n == 0 {
		return 0
	}
	i := b.pos >> 3
	var v uint64
	if i+8 <= len(b.buf) {
		v = binary.BigEndian.Uint64(b.buf[i:])
	} else {
		for k := range 8 {
			v <<= 8
			if i+k < len(b.buf) {
				v |= uint64(b.buf[i+k])
			}
		}
	}
	v <<= uint(b.pos & 7)
	return uint32(v >> (64 - n))
}

// read consumes and returns the next n bits (n ≤ 32).
func (b *bitReader) read(n uint) uint32 {
	v := b.peek(n)
	b.pos += int(n)
	return v
}

// readBool consumes one bit.
func (b *bitReader) readBool() bool { return b.read(1) != 0 }

// skip consumes n bits.
func (b *bitReader) skip(n int) { b.pos += n }

// byteAlign skips to the next byte boundary.
func (b *bitReader) byteAlign() { b.pos = (b.pos + 7) &^ 7 }

// left returns the number of bits not yet consumed (negative once overrun).
func (b *bitReader) left() int { return len(b.buf)*8 - b.pos }

// overrun reports whether more bits were consumed than the buffer holds.
func (b *bitReader) overrun() bool { return b.pos > len(b.buf)*8 }

// bitsAt returns the bits of buf from bit pos on, left-aligned: at least
// the next 57 bits, zeros past the end of buf.
func bitsAt(buf []byte, pos int) uint64 {
	i := pos >> 3
	if i+8 <= len(buf) {
		return binary.BigEndian.Uint64(buf[i:]) << (pos & 7)
	}
	return bitsAtEnd(buf, pos)
}

// bitsAtEnd is bitsAt near the end of buf.
func bitsAtEnd(buf []byte, pos int) uint64 {
	i := pos >> 3
	var v uint64
	for k := range 8 {
		v <<= 8
		if i+k < len(buf) {
			v |= uint64(buf[i+k])
		}
	}
	return v << (pos & 7)
}
