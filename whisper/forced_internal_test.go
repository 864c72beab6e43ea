package whisper

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/align"
)

// forcedTokens is sot no_timestamps, a few text tokens, eot for m.
func forcedTokens(m *Model) []int {
	return []int{m.Tok.SOT(), m.Tok.NoTimestamps(), 400, 1000, 2300, 13, m.Tok.EOT()}
}

// The recorded weights are the ones the fused attention kernel uses: for
// the last layer (whose query rows and attention output are still in the
// decoder's buffers after the pass) Σ_f w[f]·V[f] reproduces the kernel's
// output for every head and token; rows are distributions.
func TestForcedPassWeightsMatchKernel(t *testing.T) {
	m := seededModel(t, 11)
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), randomAudio(m, 3)); err != nil {
		t.Fatal(err)
	}
	h := m.H
	last := h.NTextLayer - 1
	heads, err := align.TopMost(1, h.NTextLayer, h.NTextHead)
	if err != nil {
		t.Fatal(err)
	}
	toks := forcedTokens(m)
	pass, err := dec.Align(toks, 2, heads)
	if err != nil {
		t.Fatal(err)
	}
	w := pass.Weights
	if w.Heads != len(heads) || w.Tokens != len(toks) || w.Ctx != h.NAudioCtx || len(w.Data) != w.Heads*w.Tokens*w.Ctx {
		t.Fatalf("weights shape %d×%d×%d (%d values)", w.Heads, w.Tokens, w.Ctx, len(w.Data))
	}
	d := h.NTextState
	dh := d / h.NTextHead
	vals := make([][]float32, h.NTextHead)
	for hd := range vals {
		vals[hd] = make([]float32, h.NAudioCtx*dh)
		dec.cross[last].Values(hd, vals[hd])
	}
	for hi, hd := range heads {
		if hd.Layer != last {
			t.Fatalf("head %+v not in the last layer", hd)
		}
		for tk := range len(toks) {
			row := w.Data[(hi*w.Tokens+tk)*w.Ctx : (hi*w.Tokens+tk+1)*w.Ctx]
			var sum float64
			for _, v := range row {
				if v < 0 {
					t.Fatalf("negative weight %v", v)
				}
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-4 {
				t.Fatalf("head %d token %d: weights sum to %v", hi, tk, sum)
			}
			for j := range dh {
				var ref float64
				for f, p := range row {
					ref += float64(p) * float64(vals[hd.Head][f*dh+j])
				}
				got := float64(dec.attn[tk*d+hd.Head*dh+j])
				if math.Abs(got-ref) > 1e-4*(1+math.Abs(ref)) {
					t.Fatalf("head %d token %d dim %d: kernel %v, Σ w·V %v", hi, tk, j, got, ref)
				}
			}
		}
	}
}

// Probs[k] is the softmax over text tokens, at the position predicting
// text token k, of the logits Forward gives one token at a time (more text
// tokens than one chunk of probChunk).
func TestForcedPassProbsMatchForward(t *testing.T) {
	m := seededModel(t, 12)
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), randomAudio(m, 4)); err != nil {
		t.Fatal(err)
	}
	toks := []int{m.Tok.SOT(), m.Tok.NoTimestamps()}
	for i := range probChunk + 5 {
		toks = append(toks, 400+37*i)
	}
	toks = append(toks, m.Tok.EOT())
	heads, _ := align.TopMost(1, m.H.NTextLayer, m.H.NTextHead)
	pass, err := dec.Align(toks, 2, heads)
	if err != nil {
		t.Fatal(err)
	}
	nText := len(toks) - 3
	if len(pass.Probs) != nText {
		t.Fatalf("%d probabilities for %d text tokens", len(pass.Probs), nText)
	}
	dec.Reset()
	eot := m.Tok.EOT()
	for i := 0; i < len(toks)-2; i++ {
		logits, err := dec.Forward(toks[i : i+1])
		if err != nil {
			t.Fatal(err)
		}
		if i < 1 {
			continue
		}
		k := i - 1 // position i predicts text token k
		mx := math.Inf(-1)
		for _, v := range logits[:eot] {
			mx = math.Max(mx, float64(v))
		}
		var z float64
		for _, v := range logits[:eot] {
			z += math.Exp(float64(v) - mx)
		}
		want := math.Exp(float64(logits[toks[2+k]])-mx) / z
		if got := float64(pass.Probs[k]); math.Abs(got-want) > 1e-4*want+1e-7 || got <= 0 || got > 1 {
			t.Errorf("token %d: prob %v, want %v", k, got, want)
		}
	}
}

// Causality: a token's attention does not depend on the tokens after it.
func TestForcedPassIsCausal(t *testing.T) {
	m := seededModel(t, 13)
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), randomAudio(m, 5)); err != nil {
		t.Fatal(err)
	}
	heads, _ := align.TopMost(1, m.H.NTextLayer, m.H.NTextHead)
	toks := forcedTokens(m)
	full, err := dec.Align(toks, 2, heads)
	if err != nil {
		t.Fatal(err)
	}
	full.Weights.Data = slices.Clone(full.Weights.Data) // the decoder's buffer is reused
	short, err := dec.Align(append(toks[:4:4], m.Tok.EOT()), 2, heads)
	if err != nil {
		t.Fatal(err)
	}
	ctx := m.H.NAudioCtx
	for hi := range heads {
		for tk := range 4 {
			a := full.Weights.Data[(hi*full.Weights.Tokens+tk)*ctx:][:ctx]
			b := short.Weights.Data[(hi*short.Weights.Tokens+tk)*ctx:][:ctx]
			for f := range a {
				if math.Abs(float64(a[f]-b[f])) > 1e-6 {
					t.Fatalf("head %d token %d frame %d: %v vs %v", hi, tk, f, a[f], b[f])
				}
			}
		}
	}
	if _, err := dec.Align(toks, 0, heads); err == nil {
		t.Error("a start sequence of 0 tokens was accepted")
	}
	if _, err := dec.Align(toks, 2, []align.Head{{Layer: 5, Head: 0}}); err == nil {
		t.Error("a head outside the model was accepted")
	}
}

func TestAlignmentHeadsByName(t *testing.T) {
	m := seededModel(t, 14)
	// No preset, and a preset that does not fit one text layer: the top half.
	for _, name := range []string{"ggml-r7-tiny-128x2x2", "ggml-tiny.en"} {
		m.Name = name
		got, err := m.AlignmentHeads()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := align.TopMost(align.DefaultTopLayers(m.H.NTextLayer), m.H.NTextLayer, m.H.NTextHead)
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if got := presetName("ggml-large-v3-turbo-q5_0"); got != "large-v3-turbo" {
		t.Errorf("presetName = %q", got)
	}
	if got := presetName("/models/ggml-base.en.bin"); got != "base.en" {
		t.Errorf("presetName = %q", got)
	}
	if got := presetName("ggml-small-q8_0"); got != "small" {
		t.Errorf("presetName = %q", got)
	}
}

func TestSizeByDims(t *testing.T) {
	for _, c := range []struct {
		h    Hparams
		want string
	}{
		{Hparams{NVocab: 51864, NAudioLayer: 4, NTextLayer: 4, NAudioState: 384, NTextState: 384, NAudioHead: 6, NTextHead: 6, NMels: 80}, "tiny.en"},
		{Hparams{NVocab: 51865, NAudioLayer: 6, NTextLayer: 6, NAudioState: 512, NTextState: 512, NAudioHead: 8, NTextHead: 8, NMels: 80}, "base"},
		{Hparams{NVocab: 51866, NAudioLayer: 32, NTextLayer: 4, NAudioState: 1280, NTextState: 1280, NAudioHead: 20, NTextHead: 20, NMels: 128}, "large-v3-turbo"},
		{Hparams{NVocab: 51866, NAudioLayer: 32, NTextLayer: 32, NAudioState: 1280, NTextState: 1280, NAudioHead: 20, NTextHead: 20, NMels: 128}, "large-v3"},
		{Hparams{NVocab: 51865, NAudioLayer: 32, NTextLayer: 32, NAudioState: 1280, NTextState: 1280, NAudioHead: 20, NTextHead: 20, NMels: 80}, "large-v2"},
		{Hparams{NVocab: 51864, NAudioLayer: 32, NTextLayer: 32, NAudioState: 1280, NTextState: 1280, NAudioHead: 20, NTextHead: 20, NMels: 80}, ""},
		{Hparams{NVocab: 51864, NAudioLayer: 2, NTextLayer: 2, NAudioState: 128, NTextState: 128, NAudioHead: 2, NTextHead: 2, NMels: 80}, ""}, // R7
	} {
		if got := sizeByDims(c.h); got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
		if got := (&Model{H: c.h}).Size(); got != c.want {
			t.Errorf("%+v: Size %q, want %q", c.h, got, c.want)
		}
		if c.want == "" {
			continue
		}
		m := &Model{H: c.h, Name: "ggml-model-q5_0"}
		got, err := m.AlignmentHeads()
		want, _ := align.Preset(c.want)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s by dims: %v, %v; want %v", c.want, got, err, want)
		}
	}
}
