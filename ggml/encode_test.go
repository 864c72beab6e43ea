package ggml_test

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

func encode(t *testing.T, typ ggml.Type, x []float32) []byte {
	t.Helper()
	b := make([]byte, typ.RowBytes(len(x)))
	if err := typ.Encode(b, x); err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, typ ggml.Type, b []byte, n int) []float32 {
	t.Helper()
	y := make([]float32, n)
	if err := typ.Decode(y, b); err != nil {
		t.Fatal(err)
	}
	return y
}

func ramp(f func(j int) float32) []float32 {
	x := make([]float32, 32)
	for j := range x {
		x[j] = f(j)
	}
	return x
}

// TestEncodeKnownBlocks checks ggml's reference quantizers' rounding and
// clamping on blocks whose results are worked out by hand.
func TestEncodeKnownBlocks(t *testing.T) {
	tests := []struct {
		name  string
		typ   ggml.Type
		x     []float32
		scale uint16 // expected fp16 d
		want  []float32
	}{
		{
			// d = 2/127 (fp16 0x2408); q = roundf(x·63.5), halves away from zero:
			// x = -1 → -63.5 → -64.
			name: "Q8_0", typ: ggml.Q8_0, x: ramp(func(j int) float32 { return float32(j-16) / 8 }), scale: 0x2408,
			want: func() []float32 {
				d := ggml.Float16ToFloat32(0x2408)
				q := []int{-127, -119, -111, -103, -95, -87, -79, -71, -64, -56, -48, -40, -32, -24, -16, -8,
					0, 8, 16, 24, 32, 40, 48, 56, 64, 71, 79, 87, 95, 103, 111, 119}
				var w []float32
				for _, v := range q {
					w = append(w, float32(v)*d)
				}
				return w
			}(),
		},
		{
			// max = -16 → d = 2; q = (int8)(x/2 + 8.5), clamped to 15.
			name: "Q4_0", typ: ggml.Q4_0, x: ramp(func(j int) float32 { return float32(j - 16) }), scale: 0x4000,
			want: []float32{-16, -14, -14, -12, -12, -10, -10, -8, -8, -6, -6, -4, -4, -2, -2, 0,
				0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14, 14},
		},
		{
			name: "Q4_1", typ: ggml.Q4_1, x: ramp(func(j int) float32 { return float32(j%16)*0.5 - 1 }), scale: 0x3800,
			want: ramp(func(j int) float32 { return float32(j%16)*0.5 - 1 }),
		},
		{
			name: "Q5_0", typ: ggml.Q5_0, x: ramp(func(j int) float32 { return float32(j - 16) }), scale: 0x3C00,
			want: ramp(func(j int) float32 { return float32(j - 16) }),
		},
		{
			name: "Q5_1", typ: ggml.Q5_1, x: ramp(func(j int) float32 { return float32(j) * 0.25 }), scale: 0x3400,
			want: ramp(func(j int) float32 { return float32(j) * 0.25 }),
		},
		{
			// amax 127 → d = 1, id = 1: exact ties, which roundf takes away
			// from zero (2.5 → 3, -0.5 → -1, 0.5 → 1).
			name: "Q8_0 ties", typ: ggml.Q8_0, scale: 0x3C00,
			x:    append([]float32{127, 2.5, -0.5, 0.5, -2.5, 1.5, -126.5}, make([]float32, 25)...),
			want: append([]float32{127, 3, -1, 1, -3, 2, -127}, make([]float32, 25)...),
		},
		{
			name: "Q8_0 zeros", typ: ggml.Q8_0, x: make([]float32, 32), scale: 0,
			want: make([]float32, 32),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := encode(t, tc.typ, tc.x)
			if d := binary.LittleEndian.Uint16(b); d != tc.scale {
				t.Errorf("scale d = %#04x (%g), want %#04x", d, ggml.Float16ToFloat32(d), tc.scale)
			}
			if got := decode(t, tc.typ, b, 32); !slices.Equal(got, tc.want) {
				t.Errorf("decoded\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestEncodeErrorBound quantizes random blocks and checks the error against
// each scheme's worst case.
func TestEncodeErrorBound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 32*64)
	for i := range x {
		x[i] = float32(r.NormFloat64()) * float32(1+i/32)
	}
	for _, typ := range ggml.Types() {
		t.Run(typ.String(), func(t *testing.T) {
			y := decode(t, typ, encode(t, typ, x), len(x))
			for b := 0; b < len(x); b += 32 {
				blk := x[b : b+32]
				lo, hi, amax := slices.Min(blk), slices.Max(blk), float32(0)
				for _, v := range blk {
					amax = max(amax, float32(math.Abs(float64(v))))
				}
				var bound float32
				switch typ {
				case ggml.F32:
					bound = 0
				case ggml.F16:
					bound = amax / 2048
				case ggml.Q8_0:
					bound = amax / 127 / 2
				case ggml.Q4_0:
					bound = amax / 8 // the clamped side
				case ggml.Q4_1:
					bound = (hi - lo) / 15 / 2
				case ggml.Q5_0:
					bound = amax / 16
				case ggml.Q5_1:
					bound = (hi - lo) / 31 / 2
				}
				for j, v := range blk {
					// The stored fp16 scale and min add up to 2^-11 relative.
					tol := bound*1.001 + (amax+float32(math.Abs(float64(lo))))/1024
					if typ == ggml.F32 {
						tol = 0
					}
					if e := float32(math.Abs(float64(y[b+j] - v))); e > tol {
						t.Fatalf("block %d element %d: %g → %g, error %g > %g", b/32, j, v, y[b+j], e, tol)
					}
				}
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if err := ggml.Q8_0.Encode(make([]byte, 34), make([]float32, 31)); !errors.Is(err, ggml.ErrShape) {
		t.Errorf("partial block: %v", err)
	}
	if err := ggml.F16.Encode(make([]byte, 3), make([]float32, 2)); !errors.Is(err, ggml.ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	if err := ggml.Type(99).Encode(nil, nil); !errors.Is(err, ggml.ErrUnsupportedType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := ggml.NewTensor("w", ggml.Q4_0, []int{16, 2}, make([]float32, 32)); !errors.Is(err, ggml.ErrShape) {
		t.Errorf("NewTensor with rows of 16 in Q4_0: %v", err)
	}
	if _, err := ggml.NewTensor("w", ggml.F32, []int{3, 2}, make([]float32, 5)); !errors.Is(err, ggml.ErrShape) {
		t.Errorf("NewTensor with 5 values for 3×2: %v", err)
	}
}
