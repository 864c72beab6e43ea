package ggml_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

func TestFloat16ToFloat32Known(t *testing.T) {
	tests := []struct {
		h    uint16
		want float32
	}{
		{0x3C00, 1},
		{0xC000, -2},
		{0x7BFF, 65504},
		{0x0001, 1.0 / (1 << 24)}, // smallest subnormal, 2^-24
		{0x03FF, 1023.0 / (1 << 24)},
		{0x0400, 1.0 / (1 << 14)}, // smallest normal
		{0x3555, 0.333251953125},
		{0x0000, 0},
		{0x7C00, float32(math.Inf(1))},
		{0xFC00, float32(math.Inf(-1))},
	}
	for _, tc := range tests {
		if got := ggml.Float16ToFloat32(tc.h); got != tc.want {
			t.Errorf("Float16ToFloat32(%#04x) = %g, want %g", tc.h, got, tc.want)
		}
	}
	if got := ggml.Float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("Float16ToFloat32(0x8000) = %g, want -0", got)
	}
	for _, h := range []uint16{0x7E00, 0x7C01, 0xFE00} {
		if got := ggml.Float16ToFloat32(h); !math.IsNaN(float64(got)) {
			t.Errorf("Float16ToFloat32(%#04x) = %g, want NaN", h, got)
		}
	}
}

func TestFloat32ToFloat16Known(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"one", 1, 0x3C00},
		{"minus two", -2, 0xC000},
		{"max", 65504, 0x7BFF},
		{"just below the overflow tie", 65519.99, 0x7BFF},
		{"overflow tie rounds to even, which is inf", 65520, 0x7C00},
		{"huge", -1e10, 0xFC00},
		{"inf", float32(math.Inf(1)), 0x7C00},
		{"minus zero", float32(math.Copysign(0, -1)), 0x8000},
		{"tie below smallest subnormal rounds to zero", 1.0 / (1 << 25), 0x0000},
		{"just above that tie", math.Nextafter32(1.0/(1<<25), 1), 0x0001},
		{"subnormal tie 1.5 rounds to even 2", 3.0 / (1 << 25), 0x0002},
		{"subnormal tie 2.5 rounds to even 2", 5.0 / (1 << 25), 0x0002},
		{"largest subnormal rounds up into smallest normal", (2047.0 / 2) / (1 << 24) * 1.0000001, 0x0400},
		{"normal tie rounds to even (down)", 1 + 1.0/(1<<11), 0x3C00},
		{"normal tie rounds to even (up)", 1 + 3.0/(1<<11), 0x3C02},
		{"tiny", 1e-10, 0x0000},
		{"float32 subnormal", math.SmallestNonzeroFloat32, 0x0000},
		{"third", 1.0 / 3, 0x3555},
	}
	for _, tc := range tests {
		if got := ggml.Float32ToFloat16(tc.f); got != tc.want {
			t.Errorf("%s: Float32ToFloat16(%g) = %#04x, want %#04x", tc.name, tc.f, got, tc.want)
		}
	}
	if got := ggml.Float32ToFloat16(float32(math.NaN())); got&0x7C00 != 0x7C00 || got&0x3FF == 0 {
		t.Errorf("Float32ToFloat16(NaN) = %#04x, want a NaN", got)
	}
}

// TestFloat16RoundTripAll converts every half to float32 and back.
func TestFloat16RoundTripAll(t *testing.T) {
	for h := range 1 << 16 {
		f := ggml.Float16ToFloat32(uint16(h))
		got := ggml.Float32ToFloat16(f)
		if math.IsNaN(float64(f)) {
			if got&0x7C00 != 0x7C00 || got&0x3FF == 0 || got&0x8000 != uint16(h)&0x8000 {
				t.Errorf("NaN %#04x came back as %#04x", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Errorf("%#04x → %g → %#04x", h, f, got)
		}
	}
}

// fp16Reference is the software float→half conversion of the FP16 library
// that ggml falls back to without F16C, an independent round-to-nearest-even.
func fp16Reference(f float32) uint16 {
	scaleToInf := math.Float32frombits(0x77800000)  // 0x1.0p+112f
	scaleToZero := math.Float32frombits(0x08800000) // 0x1.0p-110f
	base := float32(float32(float32(math.Abs(float64(f)))*scaleToInf) * scaleToZero)
	w := math.Float32bits(f)
	shl1w := w + w
	sign := w & 0x80000000
	bias := shl1w & 0xFF000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits(bias>>1+0x07800000) + base
	bits := math.Float32bits(base)
	expBits := (bits >> 13) & 0x7C00
	mantBits := bits & 0x0FFF
	nonsign := expBits + mantBits
	if shl1w > 0xFF000000 {
		return uint16(sign>>16) | 0x7E00
	}
	return uint16(sign>>16) | uint16(nonsign)
}

func TestFloat32ToFloat16MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(f float32) {
		if got, want := ggml.Float32ToFloat16(f), fp16Reference(f); got != want {
			t.Fatalf("Float32ToFloat16(%g [%#08x]) = %#04x, reference %#04x", f, math.Float32bits(f), got, want)
		}
	}
	for range 1_000_000 {
		check(math.Float32frombits(r.Uint32())) // every exponent, NaNs included
	}
	for range 200_000 {
		check(float32(r.NormFloat64()) * 1e-3)
	}
	// Every half's value and the midpoints around it.
	for h := range 0x7C00 {
		f := ggml.Float16ToFloat32(uint16(h))
		next := ggml.Float16ToFloat32(uint16(h + 1))
		mid := float32((float64(f) + float64(next)) / 2)
		for _, x := range []float32{f, -f, mid, -mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9)} {
			check(x)
		}
	}
}

// TestFloat16RandomWithinHalfULP checks random float32s come back within
// half a half-precision unit in the last place.
func TestFloat16RandomWithinHalfULP(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		x := float32((r.Float64()*2 - 1) * math.Pow(2, float64(r.IntN(40)-24)))
		y := ggml.Float16ToFloat32(ggml.Float32ToFloat16(x))
		ax := math.Abs(float64(x))
		ulp := math.Pow(2, math.Floor(math.Log2(ax))-10)
		ulp = math.Max(ulp, math.Pow(2, -24)) // subnormal spacing
		if math.Abs(float64(x)-float64(y)) > ulp/2 {
			t.Fatalf("%g → %g: error %g exceeds half an ulp (%g)", x, y, math.Abs(float64(x)-float64(y)), ulp/2)
		}
	}
}
