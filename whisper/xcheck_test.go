package whisper_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// r7Model writes the README's random-weight model R7 once per test binary.
func r7Model(t testing.TB) *whisper.Model {
	t.Helper()
	whispertest.RequireFixtures(t) // the whisper.cpp cross-check needs its header and logits
	path := filepath.Join(t.TempDir(), "r7-tiny-128x2x2.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := whispertest.WriteR7(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	m, err := whisper.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// jfkMel computes the log-mel of jfk.wav's first (only) window.
func jfkMel(t testing.TB, m *whisper.Model) []float32 {
	t.Helper()
	dir, _ := whispertest.FixturesDir()
	f, err := os.Open(filepath.Join(dir, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := pipeline.OpenAudio(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	samples := make([]float32, pipeline.SamplesPerWindow)
	n := 0
	for n < len(samples) {
		k, err := dec.Read(samples[n:])
		n += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	mel, err := pipeline.NewMel(m.Filters, m.H.NMels)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, m.H.NMels*pipeline.FramesPerWindow)
	if err := mel.Compute(samples[:n], out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The whisper.cpp cross-check: R7 on jfk.wav, teacher-forced with the
// README's 8 tokens, against the logits whisper.cpp computed.
func TestLogitsMatchWhisperCpp(t *testing.T) {
	m := r7Model(t)
	dir, _ := whispertest.FixturesDir()
	raw, err := os.ReadFile(filepath.Join(dir, "xcheck", "r7-tiny-128x2x2.jfk.logits.f32"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := []int{50257, 50362, 843, 523, 616, 5891, 3399, 11}
	nv := m.H.NVocab
	if len(raw) != 4*len(tokens)*nv {
		t.Fatalf("reference has %d bytes, want %d", len(raw), 4*len(tokens)*nv)
	}
	enc := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	if err := m.NewEncoder().Encode(context.Background(), jfkMel(t, m), enc); err != nil {
		t.Fatal(err)
	}
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), enc); err != nil {
		t.Fatal(err)
	}
	wantTop := []int{21785, 37089, 19120, 19120, 19120, 31934, 14266, 19120}
	for step, tok := range tokens {
		got, err := dec.Forward([]int{tok})
		if err != nil {
			t.Fatal(err)
		}
		var maxDiff, dot, na, nb float64
		top := 0
		for i := range nv {
			ref := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(step*nv+i):])))
			g := float64(got[i])
			maxDiff = max(maxDiff, math.Abs(g-ref))
			dot += g * ref
			na += g * g
			nb += ref * ref
			if got[i] > got[top] {
				top = i
			}
		}
		cos := dot / math.Sqrt(na*nb)
		t.Logf("step %d (token %d): max|Δ| %.5f, cosine %.7f, top-1 %d", step, tok, maxDiff, cos, top)
		if maxDiff > 0.02 || cos < 0.9995 {
			t.Errorf("step %d: max|Δ| %.5f (≤ 0.02), cosine %.7f (≥ 0.9995)", step, maxDiff, cos)
		}
		if top != wantTop[step] {
			t.Errorf("step %d: top-1 %d, whisper.cpp %d", step, top, wantTop[step])
		}
	}
}
