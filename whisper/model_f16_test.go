package whisper_test

import (
	"context"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// f16Pair loads the same random weights twice: from an F16 file (weight
// matrices kept in half precision) and from an F32 file holding exactly
// the F16 file's values (every tensor the F16 file stores in F16 rounded
// through F16), which runs the float32 path.
func f16Pair(t *testing.T, d whispertest.Dims) (m16, m32 *whisper.Model) {
	t.Helper()
	halfIn16 := map[string]bool{}
	for _, s := range whispertest.TensorSpecs(d) {
		halfIn16[s.Name] = whispertest.TensorType(s, ggml.F16) == ggml.F16
	}
	rounded := func(name string, i uint64) float32 {
		v := whispertest.RandomValue(name, i)
		if halfIn16[name] {
			v = ggml.Float16ToFloat32(ggml.Float32ToFloat16(v))
		}
		return v
	}
	f16, _ := writeModel(t, d, ggml.F16, whispertest.RandomValue)
	f32, _ := writeModel(t, d, ggml.F32, rounded)
	return f16, f32
}

// relDiff is max|a−b| / max|b|.
func relDiff(a, b []float32) float64 {
	var d, m float64
	for i := range b {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		m = math.Max(m, math.Abs(float64(b[i])))
	}
	return d / m
}

// TestF16WeightsMatchF32 checks that an F16 model, computed on its half-
// precision weights, gives the encoder output and teacher-forced logits
// (single sequence and a batch of beams) of the same weights widened to
// float32, to 1e-5 relative; and that it holds its weights in about half
// the memory.
func TestF16WeightsMatchF32(t *testing.T) {
	d := whispertest.R7
	m16, m32 := f16Pair(t, d)
	if m16.Bytes > m32.Bytes*55/100 {
		t.Errorf("F16 model holds %d bytes of weights, F32 %d: want about half", m16.Bytes, m32.Bytes)
	}
	ctx := context.Background()
	mel := randomMel(m32)
	enc16 := make([]float32, d.NAudioCtx*d.NAudioState)
	enc32 := make([]float32, len(enc16))
	if err := m16.NewEncoder().Encode(ctx, mel, enc16); err != nil {
		t.Fatal(err)
	}
	if err := m32.NewEncoder().Encode(ctx, mel, enc32); err != nil {
		t.Fatal(err)
	}
	const tol = 1e-5
	if r := relDiff(enc16, enc32); !(r <= tol) {
		t.Fatalf("encoder output differs by %.3g relative", r)
	}
	t.Logf("encoder: %.3g relative", relDiff(enc16, enc32))

	dec16, dec32 := m16.NewDecoder(), m32.NewDecoder()
	for _, dec := range []*whisper.Decoder{dec16, dec32} {
		if err := dec.SetAudio(ctx, enc32); err != nil {
			t.Fatal(err)
		}
	}
	tok := m32.Tok
	prompt := []int{tok.SOT(), tok.NoTimestamps()}
	text := []int{220, 1169, 2068, 7586, 21831, 13}
	worst := 0.0
	step := func(tokens []int) {
		t.Helper()
		l16, err := dec16.Forward(tokens)
		if err != nil {
			t.Fatal(err)
		}
		l32, err := dec32.Forward(tokens)
		if err != nil {
			t.Fatal(err)
		}
		r := relDiff(l16, l32)
		if !(r <= tol) {
			t.Fatalf("logits after %v differ by %.3g relative", tokens, r)
		}
		worst = math.Max(worst, r)
	}
	step(prompt)
	for _, tk := range text {
		step([]int{tk})
	}
	// A prompt of several tokens at once (the m > 1 paths).
	dec16.Reset()
	dec32.Reset()
	step(append(append([]int(nil), prompt...), text...))

	b16, err := dec16.Fork(3)
	if err != nil {
		t.Fatal(err)
	}
	b32, err := dec32.Fork(3)
	if err != nil {
		t.Fatal(err)
	}
	for _, toks := range [][]int{{220, 400, 1169}, {13, 50256, 262}} {
		l16, err := b16.Step(toks)
		if err != nil {
			t.Fatal(err)
		}
		l32, err := b32.Step(toks)
		if err != nil {
			t.Fatal(err)
		}
		r := relDiff(l16, l32)
		if !(r <= tol) {
			t.Fatalf("batch logits after %v differ by %.3g relative", toks, r)
		}
		worst = math.Max(worst, r)
	}
	t.Logf("logits: %.3g relative at most", worst)
}
