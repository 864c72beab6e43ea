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

func jfkProbs(t *testing.T) []float32 {
	t.Helper()
	got, err := loadModel(t).NewDetector().Probabilities(context.Background(), jfkSamples(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 344 {
		t.Fatalf("%d probabilities, want 344", len(got))
	}
	return got
}

// TestProbabilitiesJFK compares the probabilities on jfk.wav with
// whisper.cpp's. testdata/jfk.portable.probs.f32 is whisper.cpp's portable
// build on this machine kind (see testdata/README.md): within 1e-3 on every
// chunk (measured: 1.2e-4). The shared fixture jfk.vad.probs.f32 came from
// another whisper.cpp build; whisper.cpp's portable build is itself 0.0182
// away from it (chunk 341), and so is this package: the bound there is that
// build-to-build spread, 0.025, not the 0.01 of issue 9.
func TestProbabilitiesJFK(t *testing.T) {
	got := jfkProbs(t)
	portable := readF32(t, filepath.Join("testdata", "jfk.portable.probs.f32"))
	d, at := maxDelta(got, portable)
	t.Logf("vs whisper.cpp portable build: max |Δ| = %.6f at chunk %d", d, at)
	if d > 1e-3 {
		t.Errorf("vs whisper.cpp portable build: max |Δ| = %.6f at chunk %d, want ≤ 1e-3", d, at)
	}
	fixture := readF32(t, vadFixture(t, probsFixture))
	d, at = maxDelta(got, fixture)
	dw, _ := maxDelta(portable, fixture)
	t.Logf("vs fixture: max |Δ| = %.6f at chunk %d (whisper.cpp portable vs fixture: %.6f)", d, at, dw)
	if d > 0.025 {
		t.Errorf("vs fixture: max |Δ| = %.6f at chunk %d, want ≤ 0.025", d, at)
	}
}

// TestSegmentsJFK: the segments from this package's probabilities match
// whisper.cpp's within 10 ms.
func TestSegmentsJFK(t *testing.T) {
	got := vad.Segments(jfkProbs(t))
	sameSegments(t, got, readSegments(t, vadFixture(t, segmentsFixture)), 10e6)
	t.Logf("segments: %v", got)
}

// TestProbabilitiesReuse: a Detector resets its state per call, so a
// second call gives the same numbers; a partial last chunk is zero-padded.
func TestProbabilitiesReuse(t *testing.T) {
	m := loadModel(t)
	d := m.NewDetector()
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
	c, err := m.NewDetector().Probabilities(context.Background(), padded)
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
	d := loadModel(t).NewDetector()
	s := jfkSamples(t)
	dst := make([]float32, 0, vad.Chunks(len(s)))
	n := testing.AllocsPerRun(5, func() {
		if _, err := d.AppendProbabilities(context.Background(), dst, s); err != nil {
			t.Fatal(err)
		}
	})
	batches := (vad.Chunks(len(s)) + 63) / 64
	t.Logf("%v allocations per call of 344 chunks (%d batches)", n, batches)
	if n > float64(50*batches) {
		t.Errorf("%v allocations per call of 344 chunks, want at most %d (whisper/kernel's, per batch)", n, 50*batches)
	}
}

// Continue over blocks of whole chunks gives the probabilities of one pass:
// exactly when the blocks are whole batches of 64 chunks (the GEMMs then
// sum in the same order), else to rounding; a block of part of a chunk
// before the last is refused.
func TestContinueInBlocks(t *testing.T) {
	s := jfkSamples(t)
	d := loadModel(t).NewDetector()
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
