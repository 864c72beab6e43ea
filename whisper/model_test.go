package whisper_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// small is a fast random-weight model for tests.
var small = whispertest.Dims{NVocab: 51864, NAudioCtx: 1500, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1,
	NTextCtx: 448, NTextState: 64, NTextHead: 2, NTextLayer: 1, NMels: 80}

func TestLoadReportsWhatIsWrong(t *testing.T) {
	_, path := randomModel(t, small, ggml.F32)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(f *ggml.File)) []byte {
		f, err := ggml.Read(bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		fn(f)
		var b bytes.Buffer
		if err := ggml.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cases := []struct {
		name string
		data []byte
		want []string
	}{
		{"truncated", good[:len(good)/2], []string{"truncated"}},
		{"wrong magic", append([]byte("RIFF"), good[4:]...), []string{"magic"}},
		{"gguf", append([]byte("GGUF"), good[4:]...), []string{"GGUF"}},
		{"unknown tensor", edit(func(f *ggml.File) {
			x, _ := ggml.NewTensor("encoder.blocks.0.attn.rotary", ggml.F32, []int{64}, make([]float32, 64))
			f.Tensors = append(f.Tensors, x)
		}), []string{"unknown tensor encoder.blocks.0.attn.rotary"}},
		{"wrong shape", edit(func(f *ggml.File) {
			x, _ := f.Tensor("decoder.blocks.0.mlp.0.weight")
			x.Shape = []int{128, 128} // same element count, wrong shape
		}), []string{"decoder.blocks.0.mlp.0.weight", "shape [128 128]", "want [64 256]"}},
		{"missing tensor", edit(func(f *ggml.File) {
			for i, x := range f.Tensors {
				if x.Name == "encoder.ln_post.bias" {
					f.Tensors = append(f.Tensors[:i], f.Tensors[i+1:]...)
					break
				}
			}
		}), []string{"encoder.ln_post.bias is missing"}},
		{"bad heads", edit(func(f *ggml.File) { f.Hparams.NAudioHead = 3 }), []string{"n_audio_state 64 is not a multiple of n_audio_head 3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.bin")
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := whisper.Load(p)
			if !errors.Is(err, whisper.ErrModel) {
				t.Fatalf("error %v does not wrap ErrModel", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// Quantized and F16 files load into the same shapes, with the weights
// within the type's precision of the F32 model's.
func TestLoadQuantizedTypes(t *testing.T) {
	ref, _ := randomModel(t, small, ggml.F32)
	mel := randomMel(ref)
	encode := func(m *whisper.Model) []float32 {
		out := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
		if err := m.NewEncoder().Encode(context.Background(), mel, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := encode(ref)
	// Cosine of the encoder output against the F32 model's: quantization
	// noise only, never a misread layout.
	minCos := map[ggml.Type]float64{ggml.F16: 0.99999, ggml.Q8_0: 0.9999, ggml.Q5_0: 0.995, ggml.Q5_1: 0.995}
	for _, typ := range []ggml.Type{ggml.F16, ggml.Q8_0, ggml.Q5_0, ggml.Q5_1} {
		m, _ := randomModel(t, small, typ)
		// F16 and quantized weight matrices stay in their stored type
		// (TestQuantWeightsStayQuantized checks the sizes).
		if m.H != ref.H || m.Bytes >= ref.Bytes {
			t.Fatalf("%v: hparams %+v bytes %d (F32: %d)", typ, m.H, m.Bytes, ref.Bytes)
		}
		got := encode(m)
		var dot, na, nb float64
		for i := range got {
			dot += float64(got[i]) * float64(want[i])
			na += float64(got[i]) * float64(got[i])
			nb += float64(want[i]) * float64(want[i])
		}
		cos := dot / math.Sqrt(na*nb)
		t.Logf("%v: encoder output cosine vs F32 %.6f", typ, cos)
		if cos < minCos[typ] {
			t.Errorf("%v: cosine %.6f < %v", typ, cos, minCos[typ])
		}
	}
}
