package vad_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/vad"
)

// maxDelta returns max |a[i] − b[i]| and where.
func maxDelta(a, b []float32) (float64, int) {
	worst, at := 0.0, 0
	for i := range a {
		if d := math.Abs(float64(a[i] - b[i])); d > worst {
			worst, at = d, i
		}
	}
	return worst, at
}

// numericsModes are the two Numerics, for tests that run in both.
var numericsModes = []vad.Numerics{vad.NumericsHalf, vad.NumericsFloat}

func jfkProbs(t *testing.T, opts ...vad.DetectorOption) []float32 {
	t.Helper()
	got, err := loadModel(t).NewDetector(opts...).Probabilities(context.Background(), jfkSamples(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 344 {
		t.Fatalf("%d probabilities, want 344", len(got))
	}
	return got
}

// TestProbabilitiesJFK compares the probabilities on jfk.wav with
// whisper.cpp's. The shared fixture jfk.vad.probs.f32 is whisper.cpp built
// for a CPU with AVX512-FP16, which sums the F16 products in binary16: the
// default NumericsHalf matches it within 1e-5 (measured: 7.5e-9, the
// float32 LSTM's rounding; every F16 product is bit for bit ggml's).
// testdata/jfk.portable.probs.f32 is whisper.cpp's portable build (see
// testdata/README.md), which sums in float32: NumericsFloat matches it
// within 1e-3 on every chunk (measured: 1.2e-4). The two builds are 0.0182
// apart (chunk 341), and so are the two modes.
func TestProbabilitiesJFK(t *testing.T) {
	fixture := readF32(t, vadFixture(t, probsFixture))
	portable := readF32(t, filepath.Join("testdata", "jfk.portable.probs.f32"))
	half := jfkProbs(t)
	d, at := maxDelta(half, fixture)
	t.Logf("f16 vs fixture (whisper.cpp native, AVX512-FP16): max |Δ| = %.3g at chunk %d", d, at)
	if d > 1e-5 {
		t.Errorf("f16 vs fixture: max |Δ| = %.3g at chunk %d, want ≤ 1e-5", d, at)
	}
	float := jfkProbs(t, vad.WithNumerics(vad.NumericsFloat))
	d, at = maxDelta(float, portable)
	t.Logf("f32 vs whisper.cpp portable build: max |Δ| = %.3g at chunk %d", d, at)
	if d > 1e-3 {
		t.Errorf("f32 vs whisper.cpp portable build: max |Δ| = %.3g at chunk %d, want ≤ 1e-3", d, at)
	}
	d, at = maxDelta(half, float)
	dw, _ := maxDelta(portable, fixture)
	t.Logf("f16 vs f32: max |Δ| = %.4f at chunk %d (whisper.cpp portable vs fixture: %.4f)", d, at, dw)
}

// TestSegmentsJFK: the segments from each mode's probabilities match those
// of the whisper.cpp build it follows within 10 ms.
func TestSegmentsJFK(t *testing.T) {
	got := vad.Segments(jfkProbs(t))
	sameSegments(t, got, readSegments(t, vadFixture(t, segmentsFixture)), 10e6)
	t.Logf("f16 segments: %v", got)
	got = vad.Segments(jfkProbs(t, vad.WithNumerics(vad.NumericsFloat)))
	sameSegments(t, got, readSegments(t, filepath.Join("testdata", "jfk.portable.segments.txt")), 10e6)
	t.Logf("f32 segments: %v", got)
}

// TestNumerics: names round-trip; unknown names are refused.
func TestNumerics(t *testing.T) {
	for _, n := range numericsModes {
		b, err := n.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var m vad.Numerics
		if err := m.UnmarshalText(b); err != nil || m != n {
			t.Errorf("%v: round trip gives %v, %v", n, m, err)
		}
		if got := loadModel(t).NewDetector(vad.WithNumerics(n)).Numerics(); got != n {
			t.Errorf("NewDetector(WithNumerics(%v)).Numerics() = %v", n, got)
		}
	}
	if n, err := vad.ParseNumerics(""); err != nil || n != vad.NumericsHalf {
		t.Errorf(`ParseNumerics("") = %v, %v; want the default f16`, n, err)
	}
	if _, err := vad.ParseNumerics("f64"); !errors.Is(err, vad.ErrNumerics) {
		t.Errorf(`ParseNumerics("f64"): %v, want ErrNumerics`, err)
	}
}

// TestProbabilitiesReuse: a Detector resets its state per call, so a
// second call gives the same numbers; a partial last chunk is zero-padded.
func TestProbabilitiesReuse(t *testing.T) {
	for _, num := range numericsModes {
		t.Run(num.String(), func(t *testing.T) { testReuse(t, vad.WithNumerics(num)) })
	}
}

func testReuse(t *testing.T, opt vad.DetectorOption) {
	m := loadModel(t)
	d := m.NewDetector(opt)
	s := jfkSamples(t)[:5000]
	a, err := d.Probabilities(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Probabilities(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	padded := make([]float32, 10*vad.ChunkSamples)
	copy(padded, s)
	c, err := m.NewDetector(opt).Probabilities(context.Background(), padded)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 10 || vad.Chunks(len(s)) != 10 {
		t.Fatalf("%d probabilities for 5000 samples, want 10", len(a))
	}
	for i := range a {
		if a[i] != b[i] || a[i] != c[i] {
			t.Fatalf("chunk %d: %v, then %v, zero-padded %v", i, a[i], b[i], c[i])
		}
	}
	if p, err := d.Probabilities(context.Background(), nil); err != nil || len(p) != 0 {
		t.Errorf("no samples: %v, %v", p, err)
	}
}

// TestProbabilitiesCancel: a cancelled context stops the detector.
func TestProbabilitiesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := loadModel(t).NewDetector().Probabilities(ctx, make([]float32, 16000))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestProbabilitiesAllocs: after the first call, appending into a slice
// with room allocates nothing in this package, per chunk or per call. The
// GEMM driver of whisper/kernel allocates its closures and operand
// descriptors per product (about 44 objects for the 6 products of a batch
// of 64 chunks); the bound below is that, per batch.
func TestProbabilitiesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	s := jfkSamples(t)
	for _, num := range numericsModes {
		d := loadModel(t).NewDetector(vad.WithNumerics(num))
		dst := make([]float32, 0, vad.Chunks(len(s)))
		n := testing.AllocsPerRun(5, func() {
			if _, err := d.AppendProbabilities(context.Background(), dst, s); err != nil {
				t.Fatal(err)
			}
		})
		batches := (vad.Chunks(len(s)) + 63) / 64
		t.Logf("%v: %v allocations per call of 344 chunks (%d batches)", num, n, batches)
		if n > float64(50*batches) {
			t.Errorf("%v: %v allocations per call of 344 chunks, want at most %d (whisper/kernel's, per batch)", num, n, 50*batches)
		}
	}
}

// Continue over blocks of whole chunks gives the probabilities of one pass:
// exactly when the blocks are whole batches of 64 chunks (the GEMMs then
// sum in the same order), else to rounding; a block of part of a chunk
// before the last is refused. Both numerics.
func TestContinueInBlocks(t *testing.T) {
	for _, num := range numericsModes {
		t.Run(num.String(), func(t *testing.T) { testContinueInBlocks(t, vad.WithNumerics(num)) })
	}
}

func testContinueInBlocks(t *testing.T, opt vad.DetectorOption) {
	s := jfkSamples(t)
	d := loadModel(t).NewDetector(opt)
	ctx := context.Background()
	want, err := d.Probabilities(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		block int
		tol   float64
	}{{64 * vad.ChunkSamples, 0}, {128 * vad.ChunkSamples, 0}, {vad.ChunkSamples, 1e-3}, {7 * vad.ChunkSamples, 1e-3}} {
		block := c.block
		d.Reset()
		var got []float32
		for off := 0; off < len(s); off += block {
			end := min(off+block, len(s))
			if got, err = d.Continue(ctx, got, s[off:end], end == len(s)); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("block %d: %d probabilities, want %d", block, len(got), len(want))
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > c.tol {
				t.Fatalf("block %d: chunk %d: %v, want %v", block, i, got[i], want[i])
			}
		}
	}
	if _, err := d.Continue(ctx, nil, s[:vad.ChunkSamples+1], false); !errors.Is(err, vad.ErrBlock) {
		t.Fatalf("a partial block: %v", err)
	}
}
