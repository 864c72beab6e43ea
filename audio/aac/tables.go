package aac

import (
	"math"
	"sync"
)

// outputScale maps the specification's output range, that of 16-bit PCM,
// to full scale ±1.
const outputScale = 1.0 / 32768

// Sizes of the inverse quantization and gain tables.
const (
	// iqSize covers the largest escape value, 8191, raised by up to four
	// pulses of amplitude 15.
	iqSize = 8192 + 4*15
	// pow2Range bounds the exponents of pow2: gains 2^(e/4) for e in
	// [-pow2Range, pow2Range].
	pow2Range = 160
)

// decoderTables are the tables every decoder shares, computed once and
// only read afterwards.
type decoderTables struct {
	books     *codebooks
	iq        [iqSize]float32          // iq[q] = q^(4/3)
	iqSmall   [33]float32              // iqSmall[q+16] = sign(q)·|q|^(4/3)
	pow2Table [2*pow2Range + 1]float32 // 2^(e/4)
	windows   [2][2]windowHalves       // [shape][long=0/short=1]
	// The windows of the halves of long sequences, by shape: the rising
	// long window, the first half of a long-stop window, and the falling
	// long window and the second half of a long-start window, in time
	// order.
	longLeft, stopLeft, longRight, startRight [2][1024]float32
	// The rising and falling short windows, by shape.
	shortLeft, shortRight [2][128]float32
	imdctLong             *imdctPlan
	imdctShort            *imdctPlan
}

// pow2 returns 2^(e/4) for e in [-pow2Range, pow2Range].
func (t *decoderTables) pow2(e int) float32 { return t.pow2Table[e+pow2Range] }

// sharedTables returns the tables, building them on first use.
var sharedTables = sync.OnceValue(func() *decoderTables {
	t := &decoderTables{books: newCodebooks()}
	for i := range t.iq {
		t.iq[i] = float32(math.Pow(float64(i), 4.0/3))
	}
	for q := -16; q <= 16; q++ {
		if q < 0 {
			t.iqSmall[q+16] = -t.iq[-q]
		} else {
			t.iqSmall[q+16] = t.iq[q]
		}
	}
	for i := range t.pow2Table {
		t.pow2Table[i] = float32(math.Exp2(float64(i-pow2Range) / 4))
	}
	t.windows[shapeSine][0] = sineWindow(2048)
	t.windows[shapeSine][1] = sineWindow(256)
	t.windows[shapeKBD][0] = kbdWindow(2048, 4)
	t.windows[shapeKBD][1] = kbdWindow(256, 6)
	for shape := range 2 {
		long, short := t.windows[shape][0], t.windows[shape][1]
		for n := range 128 {
			t.shortLeft[shape][n] = short[n]
			t.shortRight[shape][n] = short[127-n]
		}
		for n := range 1024 {
			t.longLeft[shape][n] = long[n]
			t.longRight[shape][n] = long[1023-n]
			switch {
			case n < 448:
				t.startRight[shape][n] = 1
			case n < 576:
				t.stopLeft[shape][n] = short[n-448]
				t.startRight[shape][n] = short[575-n]
			default:
				t.stopLeft[shape][n] = 1
			}
		}
	}
	t.imdctLong = newIMDCTPlan(2048)
	t.imdctShort = newIMDCTPlan(256)
	return t
})
