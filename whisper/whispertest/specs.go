package whispertest

import "fmt"

// Spec names one tensor of a Whisper model and gives its ggml shape (ne,
// innermost first: PyTorch's shape reversed).
type Spec struct {
	Name  string // e.g. "encoder.blocks.0.attn.query.weight"
	Shape []int  // ne, innermost first
}

// Elements is the number of elements: the product of Shape.
func (s Spec) Elements() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// TensorSpecs lists every tensor of a Whisper model with dimensions d, in
// the order of model R7 in the fixtures' README, with the shapes
// whisper.cpp's loader expects: linear weights [in, out], conv weights
// [kernel 3, in, out], conv biases [1, out], embeddings [width, rows].
func TensorSpecs(d Dims) []Spec {
	var s []Spec
	add := func(name string, shape ...int) { s = append(s, Spec{name, shape}) }
	norm := func(prefix string, n int) {
		add(prefix+".weight", n)
		add(prefix+".bias", n)
	}
	linear := func(prefix string, in, out int, bias bool) {
		add(prefix+".weight", in, out)
		if bias {
			add(prefix+".bias", out)
		}
	}
	attention := func(prefix string, n int) {
		linear(prefix+".query", n, n, true)
		linear(prefix+".key", n, n, false)
		linear(prefix+".value", n, n, true)
		linear(prefix+".out", n, n, true)
	}
	mlp := func(prefix string, n int) {
		linear(prefix+".0", n, 4*n, true)
		linear(prefix+".2", 4*n, n, true)
	}

	da := d.NAudioState
	add("encoder.positional_embedding", da, d.NAudioCtx)
	add("encoder.conv1.weight", 3, d.NMels, da)
	add("encoder.conv1.bias", 1, da)
	add("encoder.conv2.weight", 3, da, da)
	add("encoder.conv2.bias", 1, da)
	for i := range d.NAudioLayer {
		p := fmt.Sprintf("encoder.blocks.%d.", i)
		norm(p+"attn_ln", da)
		norm(p+"mlp_ln", da)
		attention(p+"attn", da)
		mlp(p+"mlp", da)
	}
	norm("encoder.ln_post", da)

	dt := d.NTextState
	add("decoder.positional_embedding", dt, d.NTextCtx)
	add("decoder.token_embedding.weight", dt, d.NVocab)
	for i := range d.NTextLayer {
		p := fmt.Sprintf("decoder.blocks.%d.", i)
		norm(p+"attn_ln", dt)
		norm(p+"mlp_ln", dt)
		norm(p+"cross_attn_ln", dt)
		attention(p+"attn", dt)
		attention(p+"cross_attn", dt)
		mlp(p+"mlp", dt)
	}
	norm("decoder.ln", dt)
	return s
}
