package flac

import (
	"encoding/binary"
	"math/bits"
)

// maxQuotient bounds the unary part of a Rice code: a folded residual
// fits in 32 bits (RFC 9639 section 9.2.7.4), so no valid quotient reaches
// 2^32.
const maxQuotient = 1 << 32

// readResidual decodes the coded residual (RFC 9639 section 9.2.7) of a
// predicted subframe into dst[order:]; dst[:order] holds the warm-up
// samples.
func (d *Decoder) readResidual(dst []int64, order int) error {
	br := d.br
	method := br.read(2)
	partOrder := uint(br.read(4))
	if br.err != nil {
		return br.err
	}
	if method > 1 {
		return malformed("reserved residual coding method %d", method)
	}
	paramBits := uint(4 + method)
	escape := uint64(1)<<paramBits - 1
	n := len(dst)
	size := n >> partOrder
	switch {
	case size<<partOrder != n:
		return malformed("a block of %d samples does not split into 2^%d residual partitions", n, partOrder)
	case size < order:
		return malformed("residual partitions of %d samples after a predictor of order %d", size, order)
	}
	start := order
	for end := size; end <= n; end += size {
		k := br.read(paramBits)
		if k == escape {
			w := uint(br.read(5))
			for i := start; i < end; i++ {
				dst[i] = br.readSigned(w)
			}
		} else if !br.readRice(dst[start:end], uint(k)) {
			return malformed("a Rice code longer than 32 bits")
		}
		if br.err != nil {
			return br.err
		}
		start = end
	}
	return nil
}

// readRice decodes len(dst) Rice codes with parameter k and unfolds them
// (0, -1, 1, -2, ... from 0, 1, 2, 3, ...) into dst. It returns false
// when a code is too long to be valid. At the end of the stream it sets
// the reader's error.
func (b *bitReader) readRice(dst []int64, k uint) bool {
	cache, n := b.cache, b.n
	for i := range dst {
		if n < 32 {
			// Inline refill from buf: 8 bytes at a time, when they are
			// there.
			if b.end-b.pos >= 8 {
				v := binary.BigEndian.Uint64(b.buf[b.pos:])
				m := (64 - n) >> 3
				s := (64 - n - 8*m) & 63
				cache |= v >> (n & 63) >> s << s
				b.pos += int(m)
				n += 8 * m
			} else {
				b.cache, b.n = cache, n
				b.refill()
				cache, n = b.cache, b.n
			}
		}
		lz := uint(bits.LeadingZeros64(cache))
		if lz+1+k > n {
			// The code does not fit in the cache: decode it bit by bit.
			b.cache, b.n = cache, n
			q := b.unary(maxQuotient)
			if q >= maxQuotient {
				return false
			}
			u := q<<k | b.read(k)
			dst[i] = int64(u>>1) ^ -int64(u&1)
			if b.err != nil {
				return true
			}
			cache, n = b.cache, b.n
			continue
		}
		// Here lz < 64 and, when k > 0, lz < 63: the shifts stay below 64.
		cache = cache << (lz & 63) << 1
		u := uint64(lz)
		if k > 0 {
			u = u<<k | cache>>((64-k)&63)
			cache <<= k & 63
		}
		n -= lz + 1 + k
		dst[i] = int64(u>>1) ^ -int64(u&1)
	}
	b.cache, b.n = cache, n
	return true
}
