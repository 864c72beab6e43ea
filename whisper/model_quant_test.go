package whisper_test

import (
	"context"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// TestQuantWeightsStayQuantized loads random R7 models stored as Q8_0,
// Q4_0 and Q5_1 and checks that they hold their weights in about the
// file's tensor bytes (the weight matrices stay in ggml's blocks, not
// widened to float32), and that the encoder output and the logits
// (one token, a prompt of several tokens, a batch of beams) are those of
// the same stored values computed in float32 (an F32 twin file): cosine
// ≥ 0.999. (The encoder dequantizes the weights exactly and does not
// quantize its activations, so it matches the twin to rounding; the
// decoder quantizes its activations to 8 bits per block, as ggml does.)
func TestQuantWeightsStayQuantized(t *testing.T) {
	d := whispertest.R7
	header := whispertest.SyntheticHeader(d)
	for _, c := range []struct {
		typ    ggml.Type
		minCos float64
	}{{ggml.Q8_0, 0.999}, {ggml.Q4_0, 0.999}, {ggml.Q5_1, 0.999}} {
		t.Run(c.typ.String(), func(t *testing.T) {
			mq, path := writeModel(t, d, c.typ, whispertest.RandomValue)
			f, err := ggml.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			var fileBytes int64
			for _, tn := range f.Tensors {
				fileBytes += int64(len(tn.Data))
			}
			twin, err := whisper.Load(float32Twin(t, path, header))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("weights in memory: %d bytes; file tensors %d bytes; float32 twin %d bytes", mq.Bytes, fileBytes, twin.Bytes)
			if mq.Bytes > fileBytes*11/10 {
				t.Errorf("model holds %d bytes of weights, its file %d: want at most 1.1×", mq.Bytes, fileBytes)
			}

			ctx := context.Background()
			mel := randomMel(twin)
			encQ, encT := encodeWindow(t, mq, mel), encodeWindow(t, twin, mel)
			cos, dmax := cosine(encQ, encT)
			t.Logf("encoder: cosine %.7f, max|Δ| %.2e", cos, dmax)
			if cos < c.minCos {
				t.Errorf("encoder output: cosine %.7f vs float32, want ≥ %g", cos, c.minCos)
			}

			decQ, decT := mq.NewDecoder(), twin.NewDecoder()
			for _, dec := range []*whisper.Decoder{decQ, decT} {
				if err := dec.SetAudio(ctx, encT); err != nil {
					t.Fatal(err)
				}
			}
			check := func(what string, lq, lt []float32) {
				t.Helper()
				cos, dmax := cosine(lq, lt)
				t.Logf("%s: cosine %.7f, max|Δ| %.2e", what, cos, dmax)
				if cos < c.minCos {
					t.Errorf("%s: logits cosine %.7f vs float32, want ≥ %g", what, cos, c.minCos)
				}
			}
			tok := twin.Tok
			prompt := []int{tok.SOT(), tok.NoTimestamps()}
			text := []int{220, 1169, 2068, 7586, 21831, 13}
			for i, tokens := range append([][]int{prompt}, [][]int{{text[0]}, {text[1]}, {text[2]}}...) {
				lq, err := decQ.Forward(tokens)
				if err != nil {
					t.Fatal(err)
				}
				lt, err := decT.Forward(tokens)
				if err != nil {
					t.Fatal(err)
				}
				check("token step "+string(rune('0'+i)), lq, lt)
			}
			decQ.Reset()
			decT.Reset()
			all := append(append([]int(nil), prompt...), text...)
			lq, err := decQ.Forward(all)
			if err != nil {
				t.Fatal(err)
			}
			lt, err := decT.Forward(all)
			if err != nil {
				t.Fatal(err)
			}
			check("prompt of 8", lq, lt)

			bq, err := decQ.Fork(3)
			if err != nil {
				t.Fatal(err)
			}
			bt, err := decT.Fork(3)
			if err != nil {
				t.Fatal(err)
			}
			lq, err = bq.Step([]int{220, 400, 1169})
			if err != nil {
				t.Fatal(err)
			}
			lt, err = bt.Step([]int{220, 400, 1169})
			if err != nil {
				t.Fatal(err)
			}
			check("batch of 3", lq, lt)
		})
	}
}
