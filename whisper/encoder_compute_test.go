package whisper_test

import (
	"context"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// cosine returns the cosine similarity of a and b and their largest
// elementwise absolute difference.
func cosine(a, b []float32) (cos, maxAbs float64) {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
		maxAbs = math.Max(maxAbs, math.Abs(x-y))
	}
	return ab / math.Sqrt(aa*bb), maxAbs
}

// TestEncoderBF16Accuracy compares the bf16 encoder with the f32 one on
// random tiny and base models (base is skipped with -short). Measured on
// Zen 4: cosine 0.999986 (tiny) and 0.999987 (base), max |Δ| 0.028 and
// 0.026 on outputs of largest magnitude 4.2 (layer-normed); the test
// asserts cosine ≥ 0.9999.
func TestEncoderBF16Accuracy(t *testing.T) {
	for _, c := range []struct {
		name string
		d    whispertest.Dims
	}{{"tiny", whispertest.Tiny}, {"base", whispertest.Base}} {
		t.Run(c.name, func(t *testing.T) {
			if !kernel.BF16.Supported() {
				t.Skip("no AVX512_BF16: the pure-Go bf16 twin is too slow for a whole encoder")
			}
			if testing.Short() && c.name == "base" {
				t.Skip("-short")
			}
			m, _ := randomModel(t, c.d, ggml.F32)
			mel := randomMel(m)
			n := m.H.NAudioCtx * m.H.NAudioState
			f32, bf16 := make([]float32, n), make([]float32, n)
			ctx := context.Background()
			if err := m.NewEncoder().Encode(ctx, mel, f32); err != nil {
				t.Fatal(err)
			}
			enc := m.NewEncoder(whisper.WithCompute(kernel.BF16))
			if enc.Compute() != kernel.BF16 {
				t.Fatalf("Compute() = %v", enc.Compute())
			}
			if err := enc.Encode(ctx, mel, bf16); err != nil {
				t.Fatal(err)
			}
			cos, dmax := cosine(bf16, f32)
			var mag float64
			for _, v := range f32 {
				mag = math.Max(mag, math.Abs(float64(v)))
			}
			t.Logf("%s: cosine %.6f, max |Δ| %.4g (max |f32| %.3g)", c.name, cos, dmax, mag)
			if !(cos >= 0.9999) {
				t.Errorf("cosine %.6f < 0.9999", cos)
			}
		})
	}
}

// countingCtx counts the calls of Err, and reports itself cancelled from
// call number cancelAt on (never when cancelAt is 0).
type countingCtx struct {
	context.Context
	calls, cancelAt int32
}

func (c *countingCtx) Err() error {
	if c.calls++; c.cancelAt > 0 && c.calls >= c.cancelAt {
		return context.Canceled
	}
	return nil
}

// The encoder looks at its context before each of a layer's four heavy
// stretches (q/k/v, attention and out, fc1, fc2), not once a layer, and stops
// at the first look that finds it cancelled: a cancelled job waits for one
// step, not one layer (issue 11, item 3).
func TestEncodeStopsBetweenSteps(t *testing.T) {
	m, _ := randomModel(t, whispertest.Tiny, ggml.F16)
	mel := randomMel(m)
	out := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	all := &countingCtx{Context: context.Background()}
	if err := m.NewEncoder().Encode(all, mel, out); err != nil {
		t.Fatal(err)
	}
	if want := int32(4*m.H.NAudioLayer + 1); all.calls < want {
		t.Fatalf("%d looks at the context over %d layers, want at least %d", all.calls, m.H.NAudioLayer, want)
	}
	for _, at := range []int32{2, 3, 4, 7} { // inside the first and second layers
		c := &countingCtx{Context: context.Background(), cancelAt: at}
		if err := m.NewEncoder().Encode(c, mel, out); err != context.Canceled || c.calls != at {
			t.Errorf("cancelled at look %d: %v after %d looks, want context.Canceled after %d", at, err, c.calls, at)
		}
	}
}

// BenchmarkEncoderCompute is one 30 s window through the tiny and base
// encoders (random F32 weights) in each compute mode:
//
//	go test -run '^$' -bench EncoderCompute -count 3 ./whisper/
func BenchmarkEncoderCompute(b *testing.B) {
	for _, c := range []struct {
		name string
		d    whispertest.Dims
	}{{"tiny", whispertest.Tiny}, {"base", whispertest.Base}} {
		for _, mode := range []kernel.Compute{kernel.F32, kernel.BF16} {
			b.Run(c.name+"/"+mode.String(), func(b *testing.B) {
				if !mode.Supported() {
					b.Skip("not supported here")
				}
				m, _ := randomModel(b, c.d, ggml.F32)
				mel := randomMel(m)
				out := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
				enc := m.NewEncoder(whisper.WithCompute(mode))
				ctx := context.Background()
				if err := enc.Encode(ctx, mel, out); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := enc.Encode(ctx, mel, out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/window")
			})
		}
	}
}
