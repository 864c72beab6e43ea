package flac

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// bufSize is the size of the bit reader's byte buffer. Frames stream through
// it, whatever their size.
const bufSize = 64 << 10

// bitReader reads a stream bit by bit, most significant bit first, through
// one fixed buffer, and keeps the CRC-16 of the bytes of the current frame.
//
// Up to 64 upcoming bits sit in cache, left-aligned: the top n bits are
// valid and the others are zero. Bytes move from buf to cache in refill;
// buf[pos:end] are the bytes not yet moved.
type bitReader struct {
	r     io.Reader
	buf   []byte
	pos   int
	end   int
	cache uint64
	n     uint
	eof   bool  // r has no more bytes
	err   error // sticky: a read error of r, or errTruncated

	// base is the stream offset of buf[0].
	base int64
	// While crcOn, crc is the CRC-16 of the frame's bytes before buf[crcPos].
	crcOn  bool
	crc    uint16
	crcPos int
}

func newBitReader(r io.Reader) *bitReader {
	return &bitReader{r: r, buf: make([]byte, bufSize)}
}

// consumed is the number of whole bytes of buf[:pos] the caller has read.
func (b *bitReader) consumed() int { return b.pos - int(b.n+7)/8 }

// offset is the stream offset of the next byte the caller reads.
func (b *bitReader) offset() int64 { return b.base + int64(b.consumed()) }

// fill moves the unread bytes to the front of buf and reads more from r. It
// returns false when r has nothing more (or failed; see err).
func (b *bitReader) fill() bool {
	if b.eof || b.err != nil {
		return false
	}
	keep := b.consumed()
	if b.crcOn {
		b.crc = crc16Update(b.crc, b.buf[b.crcPos:keep])
		b.crcPos = 0
	}
	copy(b.buf, b.buf[keep:b.end])
	b.pos -= keep
	b.end -= keep
	b.base += int64(keep)
	for tries := 0; b.end < len(b.buf); tries++ {
		m, err := b.r.Read(b.buf[b.end:])
		b.end += m
		switch {
		case errors.Is(err, io.EOF):
			b.eof = true
			return m > 0
		case err != nil:
			b.err = fmt.Errorf("flac: reading the stream: %w", err)
			return m > 0
		case m > 0:
			return true
		case tries >= 100:
			b.err = fmt.Errorf("flac: reading the stream: %w", io.ErrNoProgress)
			return false
		}
	}
	return true
}

// refill tops the cache up to at least 57 bits, or with all the stream has
// left.
func (b *bitReader) refill() {
	for b.n <= 56 {
		if b.end-b.pos >= 8 {
			v := binary.BigEndian.Uint64(b.buf[b.pos:])
			k := (64 - b.n) >> 3 // whole bytes that fit
			s := 64 - b.n - 8*k  // bits of a byte that does not
			b.cache |= v >> b.n >> s << s
			b.pos += int(k)
			b.n += 8 * k
			return
		}
		if b.pos < b.end {
			b.cache |= uint64(b.buf[b.pos]) << (56 - b.n)
			b.pos++
			b.n += 8
			continue
		}
		if !b.fill() {
			return
		}
	}
}

// short records that the stream ended where bits were needed.
func (b *bitReader) short() {
	if b.err == nil {
		b.err = errTruncated
	}
}

// read returns the next k ≤ 57 bits as an unsigned number. At the end of
// the stream it returns 0 and sets err.
func (b *bitReader) read(k uint) uint64 {
	if b.n < k {
		b.refill()
		if b.n < k {
			b.short()
			b.cache, b.n = 0, 0
			return 0
		}
	}
	v := b.cache >> (64 - k)
	b.cache <<= k
	b.n -= k
	return v
}

// readSigned returns the next k ≤ 57 bits as a two's complement number.
func (b *bitReader) readSigned(k uint) int64 {
	if k == 0 {
		return 0
	}
	return int64(b.read(k)<<(64-k)) >> (64 - k)
}

// unary returns the number of 0 bits before the next 1 bit, which it
// consumes. It gives up (returning a number above limit) once the count
// passes limit.
func (b *bitReader) unary(limit uint64) uint64 {
	var q uint64
	for {
		if b.n == 0 {
			b.refill()
			if b.n == 0 {
				b.short()
				return q
			}
		}
		if lz := uint(bits.LeadingZeros64(b.cache)); lz < b.n {
			b.cache <<= lz + 1
			b.n -= lz + 1
			return q + uint64(lz)
		}
		q += uint64(b.n)
		b.cache, b.n = 0, 0
		if q > limit {
			return q
		}
	}
}

// align skips to the next byte boundary.
func (b *bitReader) align() {
	k := b.n % 8
	b.cache <<= k
	b.n -= k
}

// startCRC starts the CRC-16 of a frame at the next byte, which must be on
// a byte boundary.
func (b *bitReader) startCRC() {
	b.crcOn, b.crc, b.crcPos = true, 0, b.consumed()
}

// endCRC returns the CRC-16 of the frame's bytes before the next one, which
// must be on a byte boundary, and stops keeping it.
func (b *bitReader) endCRC() uint16 {
	b.crcOn = false
	return crc16Update(b.crc, b.buf[b.crcPos:b.consumed()])
}

// readBytes fills p with the next bytes; the reader must be on a byte
// boundary. It returns errTruncated, or r's error, when it cannot.
func (b *bitReader) readBytes(p []byte) error {
	for len(p) > 0 && b.n > 0 {
		p[0] = byte(b.read(8))
		p = p[1:]
	}
	for len(p) > 0 {
		if b.pos == b.end && !b.fill() {
			return b.fail()
		}
		k := copy(p, b.buf[b.pos:b.end])
		b.pos += k
		p = p[k:]
	}
	return nil
}

// skip discards the next n bytes; the reader must be on a byte boundary.
func (b *bitReader) skip(n int64) error {
	for n > 0 && b.n > 0 {
		b.read(8)
		n--
	}
	for n > 0 {
		if b.pos == b.end && !b.fill() {
			return b.fail()
		}
		k := int(min(n, int64(b.end-b.pos)))
		b.pos += k
		n -= int64(k)
	}
	return nil
}

// atEOF reports whether the stream has no more bytes; the reader must be on
// a byte boundary. A read error counts as the end; see err.
func (b *bitReader) atEOF() bool {
	if b.n > 0 || b.pos < b.end {
		return false
	}
	return !b.fill()
}

// fail returns the reader's error once a read came up short.
func (b *bitReader) fail() error {
	b.short()
	return b.err
}

// peek returns up to k ≤ bufSize of the next bytes without consuming them;
// fewer only at the end of the stream. The reader must be on a byte
// boundary.
func (b *bitReader) peek(k int) []byte {
	for b.end-b.consumed() < k && b.fill() {
	}
	c := b.consumed()
	return b.buf[c:min(b.end, c+k)]
}
