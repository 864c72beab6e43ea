package vorbis

import (
	"encoding/binary"
	"math"
)

// bitWriter packs values as Vorbis does, least significant bit first. The
// tests use it to build headers and packets the encoders never write.
type bitWriter struct {
	buf []byte
	n   uint // bits used in the last byte
}

// write appends the low k bits of v (k ≤ 32).
func (w *bitWriter) write(v uint32, k uint) {
	for i := uint(0); i < k; i++ {
		if w.n == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 != 0 {
			w.buf[len(w.buf)-1] |= 1 << w.n
		}
		w.n = (w.n + 1) & 7
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
}

// float32Pack packs v, which must be m·2^e with |m| < 2^21, as the
// specification's float32.
func float32Pack(v float64) uint32 {
	if v == 0 {
		return 0
	}
	sign := uint32(0)
	if v < 0 {
		sign, v = 0x80000000, -v
	}
	m, e := math.Frexp(v) // v = m·2^e, 0.5 ≤ m < 1
	mant := uint32(m * (1 << 21))
	if mant >= 1<<21 {
		mant >>= 1
		e++
	}
	return sign | uint32(e-21+788)<<21 | mant
}

// testBook describes a codebook to write.
type testBook struct {
	dims, entries int
	lengths       []int // 0: unused (sparse)
	ordered       bool
	lookup        int
	min, delta    float64
	valueBits     uint
	sequence      bool
	mult          []uint32
}

func (b *testBook) write(w *bitWriter) {
	w.write(codebookSync, 24)
	w.write(uint32(b.dims), 16)
	w.write(uint32(b.entries), 24)
	w.flag(b.ordered)
	if b.ordered {
		cur := 0
		length := b.lengths[0]
		w.write(uint32(length-1), 5)
		for cur < b.entries {
			num := 0
			for cur+num < b.entries && b.lengths[cur+num] == length {
				num++
			}
			w.write(uint32(num), ilog(b.entries-cur))
			cur += num
			length++
		}
	} else {
		sparse := false
		for _, l := range b.lengths {
			sparse = sparse || l == 0
		}
		w.flag(sparse)
		for _, l := range b.lengths {
			if sparse {
				w.flag(l > 0)
				if l == 0 {
					continue
				}
			}
			w.write(uint32(l-1), 5)
		}
	}
	w.write(uint32(b.lookup), 4)
	if b.lookup == 0 {
		return
	}
	w.write(float32Pack(b.min), 32)
	w.write(float32Pack(b.delta), 32)
	w.write(uint32(b.valueBits-1), 4)
	w.flag(b.sequence)
	for _, m := range b.mult {
		w.write(m, b.valueBits)
	}
}

// oggPages wraps packets in Ogg pages, one packet per page (continued over
// several pages when longer than one), with the given granule on the page
// where each ends. It has its own CRC so as not to depend on audio/ogg.
func oggPages(serial uint32, packets [][]byte, granules []int64) []byte {
	var out []byte
	seq := uint32(0)
	for i, p := range packets {
		rest := p
		first := true
		for {
			var lacing []byte
			var body []byte
			done := false
			for len(lacing) < 255 {
				k := min(len(rest), 255)
				lacing = append(lacing, byte(k))
				body = append(body, rest[:k]...)
				rest = rest[k:]
				if k < 255 {
					done = true
					break
				}
			}
			h := make([]byte, 27)
			copy(h, "OggS")
			if !first {
				h[5] |= 1
			}
			if i == 0 {
				h[5] |= 2
			}
			if i == len(packets)-1 && done {
				h[5] |= 4
			}
			g := int64(-1)
			if done {
				g = granules[i]
			}
			binary.LittleEndian.PutUint64(h[6:], uint64(g))
			binary.LittleEndian.PutUint32(h[14:], serial)
			binary.LittleEndian.PutUint32(h[18:], seq)
			h[26] = byte(len(lacing))
			page := append(append(h, lacing...), body...)
			binary.LittleEndian.PutUint32(page[22:], testCRC(page))
			out = append(out, page...)
			seq++
			first = false
			if done {
				break
			}
		}
	}
	return out
}

// testCRC is Ogg's CRC-32, bit by bit.
func testCRC(p []byte) uint32 {
	c := uint32(0)
	for _, b := range p {
		c ^= uint32(b) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
	}
	return c
}
