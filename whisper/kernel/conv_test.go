package kernel

import (
	"fmt"
	"math"
	"testing"
)

func TestConv1D(t *testing.T) {
	type cs struct{ cin, cout, t, kernel, stride, pad int }
	cases := []cs{
		{1, 1, 1, 1, 1, 0},
		{3, 5, 10, 3, 1, 1},
		{3, 5, 10, 3, 2, 1},
		{4, 17, 33, 3, 2, 1},
		{2, 7, 9, 5, 3, 2},
		{5, 6, 20, 4, 1, 0},
		{7, 9, 40, 1, 1, 0},
		{6, 20, 61, 3, 2, 0},
		{3, 4, 2, 3, 1, 1},       // output shorter than one register tile
		{3, 4, 5, 7, 1, 3},       // every window crosses the padding
		{80, 384, 300, 3, 1, 1},  // Whisper conv1 (shortened input)
		{384, 384, 300, 3, 2, 1}, // Whisper conv2 (shortened input)
		{80, 64, 3000, 3, 1, 1},  // full-length conv1, fewer output channels
		{64, 48, 3000, 3, 2, 1},  // full-length conv2, fewer channels
	}
	paths(t, func(t *testing.T) {
		for i, c := range cases {
			t.Run(fmt.Sprint(c), func(t *testing.T) {
				r := newRand(uint64(i + 1))
				x := randSlice(r, c.cin*c.t)
				w := randSlice(r, c.cout*c.cin*c.kernel)
				bias := randSlice(r, c.cout)
				if i%3 == 1 {
					bias = nil
				}
				tout := ConvOutLen(c.t, c.kernel, c.stride, c.pad)
				dst := make([]float32, tout*c.cout)
				for j := range dst {
					dst[j] = float32(math.NaN())
				}
				dstT := make([]float32, tout*c.cout)
				xt := make([]float32, len(x))
				Transpose(xt, x, c.cin, c.t)
				Conv1DT(dstT, xt, w, bias, c.cin, c.cout, c.t, c.kernel, c.stride, c.pad)
				Conv1D(dst, x, w, bias, c.cin, c.cout, c.t, c.kernel, c.stride, c.pad)
				for j := range dst {
					if dst[j] != dstT[j] {
						t.Fatalf("Conv1D and Conv1DT differ at %d: %g vs %g", j, dst[j], dstT[j])
					}
				}
				// Large cases: check the padded edges and every 7th output step.
				sampled := tout*c.cout*c.cin*c.kernel > 2e6
				for o := 0; o < tout; o++ {
					if sampled && o > 2 && o < tout-3 && o%7 != 0 {
						continue
					}
					for co := 0; co < c.cout; co++ {
						s, mag := 0.0, 0.0
						if bias != nil {
							s, mag = float64(bias[co]), math.Abs(float64(bias[co]))
						}
						for ci := 0; ci < c.cin; ci++ {
							for kk := 0; kk < c.kernel; kk++ {
								ti := o*c.stride + kk - c.pad
								if ti < 0 || ti >= c.t {
									continue
								}
								v := float64(w[(co*c.cin+ci)*c.kernel+kk]) * float64(x[ci*c.t+ti])
								s += v
								mag += math.Abs(v)
							}
						}
						got := float64(dst[o*c.cout+co])
						if d := math.Abs(got - s); !(d <= gamma(c.cin*c.kernel+2)*mag+1e-30) {
							t.Fatalf("dst[%d][%d] = %g want %g", o, co, got, s)
						}
					}
				}
			})
		}
	})
}

func TestConv1DPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short x":   func() { Conv1D(make([]float32, 10), make([]float32, 9), make([]float32, 6), nil, 2, 1, 5, 3, 1, 1) },
		"short dst": func() { Conv1D(make([]float32, 4), make([]float32, 10), make([]float32, 6), nil, 2, 1, 5, 3, 1, 1) },
		"bias": func() {
			Conv1D(make([]float32, 5), make([]float32, 10), make([]float32, 6), make([]float32, 2), 2, 1, 5, 3, 1, 1)
		},
		"too short": func() { Conv1D(nil, make([]float32, 2), make([]float32, 10), nil, 2, 1, 1, 5, 1, 0) },
		"stride 0":  func() { Conv1D(nil, make([]float32, 2), make([]float32, 10), nil, 2, 1, 1, 5, 0, 0) },
		"T short x": func() { Conv1DT(make([]float32, 5), make([]float32, 9), make([]float32, 6), nil, 2, 1, 5, 3, 1, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestTranspose(t *testing.T) {
	paths(t, testTranspose)
}

func testTranspose(t *testing.T) {
	r := newRand(8)
	for _, sh := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {8, 8}, {9, 17}, {16, 8}, {33, 65}, {80, 3000}, {384, 3000}} {
		rows, cols := sh[0], sh[1]
		src := randSlice(r, rows*cols)
		dst := make([]float32, rows*cols)
		Transpose(dst, src, rows, cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if dst[j*rows+i] != src[i*cols+j] {
					t.Fatalf("%v: (%d,%d)", sh, i, j)
				}
			}
		}
	}
}
