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
	books      *codebooks
	iq         [iqSize]float32          // iq[q] = q^(4/3)
	pow2Table  [2*pow2Range + 1]float32 // 2^(e/4)
	windows    [2][2]windowHalves       // [shape][long=0/short=1]
	imdctLong  *imdctPlan
	imdctShort *imdctPlan
}

// pow2 returns 2^(e/4) for e in [-pow2Range, pow2Range].
func (t *decoderTables) pow2(e int) float32 { return t.pow2Table[e+pow2Range] }

// sharedTables returns the tables, building them on first use.
var sharedTables = sync.OnceValue(func() *decoderTables {
	t := &decoderTables{books: newCodebooks()}
	for i := range t.iq {
		t.iq[i] = float32(math.Pow(float64(i), 4.0/3))
	}
	for i := range t.pow2Table {
		t.pow2Table[i] = float32(math.Exp2(float64(i-pow2Range) / 4))
	}
	t.windows[shapeSine][0] = sineWindow(2048)
	t.windows[shapeSine][1] = sineWindow(256)
	t.windows[shapeKBD][0] = kbdWindow(2048, 4)
	t.windows[shapeKBD][1] = kbdWindow(256, 6)
	t.imdctLong = newIMDCTPlan(2048)
	t.imdctShort = newIMDCTPlan(256)
	return t
})
