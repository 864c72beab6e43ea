package vad

import (
	"fmt"
	"slices"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Silero VAD's fixed architecture, as whisper.cpp builds its graph.
const (
	// SampleRate is the rate the model works at, in Hz.
	SampleRate = 16000
	// ChunkSamples is the number of samples per probability (32 ms).
	ChunkSamples = 512

	padReflect = 64  // reflect padding on each side of a chunk
	nFFT       = 256 // STFT filter length
	hop        = 128 // STFT hop (whisper.cpp: lstm_input_size)
	nFrames    = (ChunkSamples+2*padReflect-nFFT)/hop + 1
	nBins      = nFFT/2 + 1 // 129 magnitudes per frame
	hidden     = 128        // LSTM hidden and input size
	gates      = 4 * hidden
)

// encoderSpec is the encoder whisper.cpp hard-codes (channels and strides).
var encoderSpec = [4]struct {
	ConvSpec
	stride int
}{
	{ConvSpec{nBins, 128, 3}, 1},
	{ConvSpec{128, 64, 3}, 2},
	{ConvSpec{64, 64, 3}, 2},
	{ConvSpec{64, 128, 3}, 1},
}

// Model is a loaded Silero VAD model: its weights decoded to float32 in the
// layouts the Detector multiplies with. It is immutable and safe for
// concurrent use; each stream needs its own Detector.
type Model struct {
	// Type and Version are the file's model type and version.
	Type    string
	Version [3]int

	basis []float32 // [2·nBins][nFFT] STFT filters
	conv  [4]conv
	// The F16 weights in ggml's layout for NumericsHalf: the STFT basis,
	// the convolutions and the final projection.
	basisH halfMat
	wOutH  halfMat
	wIH    []float32 // [gates][hidden]
	bIH    []float32 // [gates]
	wHH    []float32 // [gates][hidden]
	bHH    []float32 // [gates]
	wOut   []float32 // [hidden]
	bOut   float32
}

// conv is one encoder convolution with its weights permuted to
// w[out][k·in + in], so that a time-major input window is one dot product
// (NumericsFloat), and in PyTorch's (and ggml's) layout w[out][in·kernel +
// k] for NumericsHalf, where the order of ggml's im2col rows decides which
// binary16 lane accumulates each product.
type conv struct {
	in, out, kernel, stride int
	w, b                    []float32
	wh                      halfMat
}

// Load reads the ggml VAD model file at path and prepares it (ReadFile,
// then NewModel).
func Load(path string) (*Model, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := NewModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// tensorSpec is a tensor the model needs: its name, ggml type and shape
// (innermost first), as whisper.cpp creates it.
type tensorSpec struct {
	name  string
	typ   ggml.Type
	shape []int
}

func specs() []tensorSpec {
	s := []tensorSpec{{"_model.stft.forward_basis_buffer", ggml.F16, []int{nFFT, 1, 2 * nBins}}}
	for i, e := range encoderSpec {
		p := fmt.Sprintf("_model.encoder.%d.reparam_conv.", i)
		s = append(s,
			tensorSpec{p + "weight", ggml.F16, []int{e.Kernel, e.In, e.Out}},
			tensorSpec{p + "bias", ggml.F32, []int{e.Out}})
	}
	return append(s,
		tensorSpec{"_model.decoder.rnn.weight_ih", ggml.F32, []int{hidden, gates}},
		tensorSpec{"_model.decoder.rnn.weight_hh", ggml.F32, []int{hidden, gates}},
		tensorSpec{"_model.decoder.rnn.bias_ih", ggml.F32, []int{gates}},
		tensorSpec{"_model.decoder.rnn.bias_hh", ggml.F32, []int{gates}},
		tensorSpec{"_model.decoder.decoder.2.weight", ggml.F16, []int{hidden, 1}},
		tensorSpec{"_model.decoder.decoder.2.bias", ggml.F32, []int{1}},
	)
}

// NewModel checks that f is the Silero VAD whisper.cpp computes (window
// 512, the encoder, LSTM and projection sizes of its graph, every tensor
// present with the shape and type whisper.cpp loads, no unknown tensor) and
// decodes its weights. Errors wrap ErrUnsupported or ErrCorrupt.
func NewModel(f *File) (*Model, error) {
	if err := checkHeader(f); err != nil {
		return nil, err
	}
	sp := specs()
	vals := make(map[string][]float32, len(sp))
	for _, s := range sp {
		t, ok := f.Tensor(s.name)
		if !ok {
			return nil, fmt.Errorf("%w: tensor %q is missing", ErrCorrupt, s.name)
		}
		shape := slices.Clone(t.Shape)
		for len(shape) > len(s.shape) && shape[len(shape)-1] == 1 {
			shape = shape[:len(shape)-1] // trailing 1s: same ggml tensor
		}
		for len(shape) < len(s.shape) {
			shape = append(shape, 1)
		}
		if !slices.Equal(shape, s.shape) || t.Type != s.typ {
			return nil, fmt.Errorf("%w: tensor %q is %v %v, want %v %v", ErrCorrupt, s.name, t.Type, t.Shape, s.typ, s.shape)
		}
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		vals[s.name] = v
	}
	for _, t := range f.Tensors {
		if _, ok := vals[t.Name]; !ok {
			return nil, fmt.Errorf("%w: unknown tensor %q", ErrCorrupt, t.Name)
		}
	}
	m := &Model{
		Type: f.Type, Version: f.Version,
		basis: vals["_model.stft.forward_basis_buffer"],
		wIH:   vals["_model.decoder.rnn.weight_ih"],
		bIH:   vals["_model.decoder.rnn.bias_ih"],
		wHH:   vals["_model.decoder.rnn.weight_hh"],
		bHH:   vals["_model.decoder.rnn.bias_hh"],
		wOut:  vals["_model.decoder.decoder.2.weight"],
		bOut:  vals["_model.decoder.decoder.2.bias"][0],
	}
	m.basisH = newHalfMat(m.basis, 2*nBins, nFFT)
	m.wOutH = newHalfMat(m.wOut, 1, hidden)
	for i, e := range encoderSpec {
		p := fmt.Sprintf("_model.encoder.%d.reparam_conv.", i)
		m.conv[i] = conv{in: e.In, out: e.Out, kernel: e.Kernel, stride: e.stride,
			w: permute(vals[p+"weight"], e.In, e.Out, e.Kernel), b: vals[p+"bias"],
			wh: newHalfMat(vals[p+"weight"], e.Out, e.In*e.Kernel)}
	}
	return m, nil
}

// checkHeader compares the file's declared sizes with the graph's.
func checkHeader(f *File) error {
	if f.Window != ChunkSamples {
		return fmt.Errorf("%w: window of %d samples, want %d", ErrUnsupported, f.Window, ChunkSamples)
	}
	if len(f.Encoder) != len(encoderSpec) {
		return fmt.Errorf("%w: %d encoder layers, want %d", ErrUnsupported, len(f.Encoder), len(encoderSpec))
	}
	for i, e := range encoderSpec {
		if f.Encoder[i] != e.ConvSpec {
			return fmt.Errorf("%w: encoder layer %d is %+v, want %+v", ErrUnsupported, i, f.Encoder[i], e.ConvSpec)
		}
	}
	if f.LSTMInput != hidden || f.LSTMHidden != hidden || f.FinalIn != hidden || f.FinalOut != 1 {
		return fmt.Errorf("%w: LSTM %d→%d and final projection %d→%d, want %d→%d and %d→1",
			ErrUnsupported, f.LSTMInput, f.LSTMHidden, f.FinalIn, f.FinalOut, hidden, hidden, hidden)
	}
	return nil
}

// permute turns PyTorch's conv weight layout w[out][in][k] into
// w[out][k·in + in].
func permute(w []float32, in, out, kernel int) []float32 {
	p := make([]float32, len(w))
	for o := range out {
		for i := range in {
			for k := range kernel {
				p[o*in*kernel+k*in+i] = w[(o*in+i)*kernel+k]
			}
		}
	}
	return p
}
