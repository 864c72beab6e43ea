package whispertest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

func TestTensorSpecs(t *testing.T) {
	tests := []struct {
		name     string
		d        whispertest.Dims
		count    int
		elements int
	}{
		// 5 + 15·layers + 2 encoder tensors, 2 + 24·layers + 2 decoder tensors.
		{"R7", whispertest.R7, 5 + 15*2 + 2 + 2 + 24*2 + 2, 7_893_504},
		{"Tiny", whispertest.Tiny, 5 + 15*4 + 2 + 2 + 24*4 + 2, 37_760_256},
		{"Base", whispertest.Base, 5 + 15*6 + 2 + 2 + 24*6 + 2, 72_593_920},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			specs := whispertest.TensorSpecs(tc.d)
			if len(specs) != tc.count {
				t.Errorf("%d tensors, want %d", len(specs), tc.count)
			}
			seen := map[string]bool{}
			n := 0
			for _, s := range specs {
				if seen[s.Name] {
					t.Errorf("duplicate %s", s.Name)
				}
				seen[s.Name] = true
				n += s.Elements()
			}
			if n != tc.elements {
				t.Errorf("%d elements, want %d", n, tc.elements)
			}
		})
	}

	specs := whispertest.TensorSpecs(whispertest.R7)
	shape := map[string][]int{}
	var names []string
	for _, s := range specs {
		shape[s.Name] = s.Shape
		names = append(names, s.Name)
	}
	for name, want := range map[string][]int{
		"encoder.positional_embedding":           {128, 1500},
		"encoder.conv1.weight":                   {3, 80, 128},
		"encoder.conv1.bias":                     {1, 128},
		"encoder.conv2.weight":                   {3, 128, 128},
		"encoder.conv2.bias":                     {1, 128},
		"encoder.blocks.1.attn_ln.weight":        {128},
		"encoder.blocks.0.attn.query.weight":     {128, 128},
		"encoder.blocks.0.mlp.0.weight":          {128, 512},
		"encoder.blocks.0.mlp.0.bias":            {512},
		"encoder.blocks.0.mlp.2.weight":          {512, 128},
		"encoder.ln_post.bias":                   {128},
		"decoder.positional_embedding":           {128, 448},
		"decoder.token_embedding.weight":         {128, 51864},
		"decoder.blocks.1.cross_attn.key.weight": {128, 128},
		"decoder.ln.weight":                      {128},
	} {
		if !slices.Equal(shape[name], want) {
			t.Errorf("%s: shape %v, want %v", name, shape[name], want)
		}
	}
	for _, absent := range []string{"encoder.blocks.0.attn.key.bias", "decoder.blocks.0.cross_attn.key.bias"} {
		if _, ok := shape[absent]; ok {
			t.Errorf("%s exists; Whisper's keys have no bias", absent)
		}
	}
	wantOrder := []string{
		"encoder.positional_embedding", "encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
		"encoder.blocks.0.attn_ln.weight", "encoder.blocks.0.attn_ln.bias", "encoder.blocks.0.mlp_ln.weight", "encoder.blocks.0.mlp_ln.bias",
		"encoder.blocks.0.attn.query.weight", "encoder.blocks.0.attn.query.bias", "encoder.blocks.0.attn.key.weight",
		"encoder.blocks.0.attn.value.weight", "encoder.blocks.0.attn.value.bias", "encoder.blocks.0.attn.out.weight", "encoder.blocks.0.attn.out.bias",
		"encoder.blocks.0.mlp.0.weight", "encoder.blocks.0.mlp.0.bias", "encoder.blocks.0.mlp.2.weight", "encoder.blocks.0.mlp.2.bias",
	}
	if !slices.Equal(names[:len(wantOrder)], wantOrder) {
		t.Errorf("order starts\n%q\nwant\n%q", names[:len(wantOrder)], wantOrder)
	}
	i := slices.Index(names, "decoder.blocks.0.attn_ln.weight")
	wantDec := []string{
		"decoder.blocks.0.attn_ln.weight", "decoder.blocks.0.attn_ln.bias", "decoder.blocks.0.mlp_ln.weight", "decoder.blocks.0.mlp_ln.bias",
		"decoder.blocks.0.cross_attn_ln.weight", "decoder.blocks.0.cross_attn_ln.bias",
		"decoder.blocks.0.attn.query.weight", "decoder.blocks.0.attn.query.bias", "decoder.blocks.0.attn.key.weight",
		"decoder.blocks.0.attn.value.weight", "decoder.blocks.0.attn.value.bias", "decoder.blocks.0.attn.out.weight", "decoder.blocks.0.attn.out.bias",
		"decoder.blocks.0.cross_attn.query.weight", "decoder.blocks.0.cross_attn.query.bias", "decoder.blocks.0.cross_attn.key.weight",
		"decoder.blocks.0.cross_attn.value.weight", "decoder.blocks.0.cross_attn.value.bias", "decoder.blocks.0.cross_attn.out.weight", "decoder.blocks.0.cross_attn.out.bias",
		"decoder.blocks.0.mlp.0.weight", "decoder.blocks.0.mlp.0.bias", "decoder.blocks.0.mlp.2.weight", "decoder.blocks.0.mlp.2.bias",
	}
	if i < 2 || names[i-2] != "decoder.positional_embedding" || names[i-1] != "decoder.token_embedding.weight" || !slices.Equal(names[i:i+len(wantDec)], wantDec) {
		t.Errorf("decoder order from %d: %q", i-2, names[max(0, i-2):min(len(names), i+len(wantDec))])
	}
	if last := names[len(names)-2:]; !slices.Equal(last, []string{"decoder.ln.weight", "decoder.ln.bias"}) {
		t.Errorf("ends with %q", last)
	}
}

func TestR7Value(t *testing.T) {
	// Pinned values, worked out from the README's formula (the SHA-256 test
	// proves it on every element of R7).
	for _, tc := range []struct {
		name string
		i    uint64
		want float32
	}{
		{"encoder.positional_embedding", 1, math.Float32frombits(0xbd3c0752)}, // -0.04590542
		{"decoder.ln.weight", 128, math.Float32frombits(0x3f7cc73f)},          // 0.98741525 (1 + v)
	} {
		if got := whispertest.R7Value(tc.name, tc.i); got != tc.want {
			t.Errorf("R7Value(%s, %d) = %v, want %v", tc.name, tc.i, got, tc.want)
		}
	}
	for _, name := range []string{"encoder.conv1.weight", "decoder.token_embedding.weight", "encoder.blocks.0.attn.query.bias"} {
		for i := uint64(1); i <= 1000; i++ {
			v := whispertest.R7Value(name, i)
			if v < -0.05 || v >= 0.05 {
				t.Fatalf("R7Value(%s, %d) = %g, outside [-0.05, 0.05)", name, i, v)
			}
		}
	}
	for _, name := range []string{"encoder.blocks.1.attn_ln.weight", "decoder.blocks.0.cross_attn_ln.weight", "encoder.ln_post.weight", "decoder.ln.weight"} {
		if v := whispertest.R7Value(name, 7); v < 0.95 || v > 1.05 {
			t.Errorf("LayerNorm weight %s = %g, want 1 ± 0.05", name, v)
		}
	}
	for _, name := range []string{"encoder.blocks.1.attn_ln.bias", "decoder.ln.bias", "encoder.ln_post.bias"} {
		if v := whispertest.R7Value(name, 7); v < -0.05 || v > 0.05 {
			t.Errorf("LayerNorm bias %s = %g, want within ±0.05", name, v)
		}
	}
	if whispertest.R7Value("a", 1) == whispertest.R7Value("b", 1) || whispertest.R7Value("a", 1) == whispertest.R7Value("a", 2) {
		t.Error("values repeat across names or indices")
	}
}

func TestWriteR7(t *testing.T) {
	header := whispertest.Fixture(t, whispertest.TinyENHeader)
	path := whispertest.R7Model(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != whispertest.R7Size {
		t.Errorf("R7 is %d bytes, want %d", len(data), whispertest.R7Size)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != whispertest.R7SHA256 {
		t.Errorf("R7 SHA-256 %s, want %s", got, whispertest.R7SHA256)
	}

	// The header is tiny.en's byte for byte but for the hparams.
	orig, err := os.ReadFile(header)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data[:4], orig[:4]) || !bytes.Equal(data[48:len(orig)], orig[48:]) {
		t.Error("R7's filters and vocabulary differ from tiny.en's")
	}

	f, err := ggml.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := whispertest.R7.Hparams(0)
	if f.Hparams != want {
		t.Errorf("hparams %+v, want %+v", f.Hparams, want)
	}
	if len(f.Tensors) != 89 || f.Size() != 4*7_893_504 {
		t.Errorf("%d tensors, %d bytes; want 89, %d", len(f.Tensors), f.Size(), 4*7_893_504)
	}
	for _, name := range []string{"encoder.positional_embedding", "encoder.conv1.bias", "encoder.blocks.1.mlp_ln.weight", "decoder.token_embedding.weight", "decoder.ln.weight"} {
		tt, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		if tt.Type != ggml.F32 {
			t.Errorf("%s is %v", name, tt.Type)
		}
		v, err := tt.Float32()
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, len(v) / 2, len(v) - 1} {
			if w := whispertest.R7Value(name, uint64(i+1)); v[i] != w {
				t.Errorf("%s[%d] = %g, want R7Value = %g", name, i, v[i], w)
			}
		}
	}
}

func TestWriteModelTypes(t *testing.T) {
	header, err := whispertest.Header(whispertest.Fixture(t, whispertest.TinyENHeader))
	if err != nil {
		t.Fatal(err)
	}
	d := whispertest.Dims{NVocab: 1000, NAudioCtx: 40, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1, NTextCtx: 16, NTextState: 64, NTextHead: 2, NTextLayer: 1, NMels: 80}
	value := func(name string, i uint64) float32 { return whispertest.R7Value(name, i) * 3 }
	tests := []struct {
		typ   ggml.Type
		ftype int
		tol   float64 // worst error relative to the largest |value| (0.15)
	}{
		{ggml.F32, 0, 0},
		{ggml.F16, 1, 1.0 / 2048},
		{ggml.Q8_0, 2007, 1.0/254 + 1.0/1024},
		{ggml.Q4_0, 2002, 1.0/8 + 1.0/1024},
		{ggml.Q4_1, 2003, 2.0/30 + 1.0/512},
		{ggml.Q5_0, 2008, 1.0/16 + 1.0/1024},
		{ggml.Q5_1, 2009, 2.0/62 + 1.0/512},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := whispertest.WriteModel(&buf, header, d, tc.typ, value); err != nil {
				t.Fatal(err)
			}
			f, err := ggml.Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if f.Hparams != d.Hparams(tc.ftype) {
				t.Errorf("hparams %+v, want %+v", f.Hparams, d.Hparams(tc.ftype))
			}
			if wt, _ := f.Hparams.WeightType(); wt != tc.typ {
				t.Errorf("WeightType %v", wt)
			}
			specs := whispertest.TensorSpecs(d)
			if len(f.Tensors) != len(specs) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(specs))
			}
			for i, s := range specs {
				tt := f.Tensors[i]
				if tt.Name != s.Name || !slices.Equal(tt.Shape, s.Shape) {
					t.Fatalf("tensor %d is %s %v, want %s %v", i, tt.Name, tt.Shape, s.Name, s.Shape)
				}
				if want := expectedType(s, tc.typ); tt.Type != want {
					t.Errorf("%s is %v, want %v", s.Name, tt.Type, want)
				}
				got, err := tt.Float32()
				if err != nil {
					t.Fatal(err)
				}
				tol := tc.tol * 0.15
				if tt.Type == ggml.F32 {
					tol = 0
				} else if tt.Type == ggml.F16 {
					tol = 3.2 / 2048 // LayerNorm weights near 1 are F32; F16 ones are below 0.15
				}
				for j, g := range got {
					w := value(s.Name, uint64(j+1))
					if e := math.Abs(float64(g - w)); e > tol {
						t.Fatalf("%s[%d] = %g, want %g ± %g", s.Name, j, g, w, tol)
					}
				}
			}
		})
	}
}

// expectedType spells out whisper.cpp's choices tensor by tensor.
func expectedType(s whispertest.Spec, model ggml.Type) ggml.Type {
	switch {
	case model == ggml.F32,
		len(s.Shape) == 1,
		s.Name == "encoder.conv1.bias", s.Name == "encoder.conv2.bias",
		strings.HasSuffix(s.Name, "positional_embedding"):
		return ggml.F32
	case strings.Contains(s.Name, ".conv"): // 3-D conv weights: converted to F16, never quantized
		return ggml.F16
	}
	return model // weight matrices and the token embedding
}

func TestWriteModelErrors(t *testing.T) {
	header := &ggml.File{Filters: ggml.MelFilters{NMel: 80, NFFT: 201, Data: make([]float32, 80*201)}}
	d := whispertest.Dims{NVocab: 10, NAudioCtx: 4, NAudioState: 32, NAudioHead: 1, NAudioLayer: 1, NTextCtx: 4, NTextState: 32, NTextHead: 1, NTextLayer: 1, NMels: 80}
	if err := whispertest.WriteModel(io.Discard, header, d, ggml.Type(5), whispertest.R7Value); !errors.Is(err, ggml.ErrUnsupportedType) {
		t.Errorf("type 5: %v", err)
	}
	d.NMels = 128
	if err := whispertest.WriteModel(io.Discard, header, d, ggml.F32, whispertest.R7Value); err == nil {
		t.Error("128 mel bands with an 80-band header: no error")
	}
	// Rows of 16 cannot be quantized: those matrices stay F16, as whisper.cpp cannot quantize them.
	d.NMels, d.NAudioState, d.NTextState = 80, 16, 16
	var buf bytes.Buffer
	if err := whispertest.WriteModel(&buf, header, d, ggml.Q8_0, whispertest.R7Value); err != nil {
		t.Fatal(err)
	}
	f, err := ggml.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if tt, _ := f.Tensor("encoder.blocks.0.attn.query.weight"); tt.Type != ggml.F16 {
		t.Errorf("16-wide matrix in a Q8_0 model is %v, want F16", tt.Type)
	}
	if tt, _ := f.Tensor("encoder.blocks.0.mlp.2.weight"); tt.Type != ggml.Q8_0 {
		t.Errorf("64-wide matrix in a Q8_0 model is %v, want Q8_0", tt.Type)
	}
}
