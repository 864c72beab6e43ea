package vad

import (
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// TestRoundHalf compares the fast rounding with ggml's conversions on
// every float32 exponent, including half's subnormals, ties and overflow.
func TestRoundHalf(t *testing.T) {
	check := func(x float32) {
		want := roundHalfSlow(x)
		if got := roundHalf(x); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("roundHalf(%g [%08x]) = %g, want %g", x, math.Float32bits(x), got, want)
		}
	}
	for e := uint32(0); e < 256; e++ {
		for _, m := range []uint32{0, 1, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x7fefff, 0x7ff000, 0x7fffff, 0x123456} {
			b := e<<23 | m
			check(math.Float32frombits(b))
			check(math.Float32frombits(b | 1<<31))
		}
	}
	for h := range 1 << 16 { // every half value and the midpoints after it
		v := ggml.Float16ToFloat32(uint16(h))
		check(v)
		check(math.Nextafter32(v, float32(math.Inf(1))))
	}
}
