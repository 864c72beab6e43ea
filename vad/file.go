package vad

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Limits on what Parse accepts; anything beyond them is reported as
// corrupt before any allocation it would size.
const (
	MaxFileSize   = 64 << 20 // bytes in a model file (Silero v6.2.0: 885,098)
	MaxTypeLen    = 256      // bytes in the model type string
	MaxLayers     = 64       // encoder layers
	MaxChannels   = 1 << 16  // channels, kernel sizes, LSTM and window sizes
	MaxTensors    = 256      // tensor records
	MaxNameLength = 1024     // bytes in a tensor name
)

// ConvSpec is one encoder convolution as the file's header declares it.
type ConvSpec struct {
	In, Out, Kernel int
}

// File is a parsed ggml VAD model file: its header and its tensors, whose
// data is kept as stored (see ggml.Tensor). Parse checks the layout only;
// NewModel checks that the tensors are the ones Silero VAD needs.
type File struct {
	// Type is the model type string, e.g. "silero-16k".
	Type string
	// Version is the model's version, e.g. {6, 2, 0}.
	Version [3]int
	// Window is the number of samples per chunk (512) and Context the
	// context size the file declares (64; whisper.cpp does not use it).
	Window, Context int
	// Encoder declares the encoder convolutions in order.
	Encoder []ConvSpec
	// LSTMInput and LSTMHidden are the LSTM's input and hidden sizes.
	LSTMInput, LSTMHidden int
	// FinalIn and FinalOut are the sizes of the final projection.
	FinalIn, FinalOut int
	// Tensors are the tensor records in file order.
	Tensors []*ggml.Tensor
}

// ReadFile reads and parses the model file at path (see Parse).
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vad: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("vad: reading %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse parses a whole ggml VAD model file (layout in
// ../shared/fixtures/vad/README.md and whisper.cpp's
// whisper_vad_init_with_params): magic, model type, version, window and
// context sizes, encoder layer sizes, LSTM and final sizes, then tensor
// records until the end. Every count and size is bounded before it is
// used; errors wrap ErrBadMagic, ErrTruncated or ErrCorrupt.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes or more, want at most %d", ErrCorrupt, len(data), MaxFileSize)
	}
	p := &parser{b: data}
	m, err := p.u32("magic")
	if err != nil {
		return nil, err
	}
	if m != ggml.Magic {
		return nil, fmt.Errorf("%w: found 0x%08x, want 0x%08x", ErrBadMagic, m, ggml.Magic)
	}
	f := &File{}
	if err := p.header(f); err != nil {
		return nil, err
	}
	for i := 0; p.off < len(p.b); i++ {
		if i == MaxTensors {
			return nil, fmt.Errorf("%w: more than %d tensors", ErrCorrupt, MaxTensors)
		}
		t, err := p.tensor(i)
		if err != nil {
			return nil, err
		}
		for _, o := range f.Tensors {
			if o.Name == t.Name {
				return nil, fmt.Errorf("%w: tensor %q appears twice", ErrCorrupt, t.Name)
			}
		}
		f.Tensors = append(f.Tensors, t)
	}
	return f, nil
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (*ggml.Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// parser reads little-endian fields from b, tracking the offset.
type parser struct {
	b   []byte
	off int
}

func (p *parser) take(n int, what string) ([]byte, error) {
	if n < 0 || n > len(p.b)-p.off {
		return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrTruncated, what, n, p.off, len(p.b)-p.off)
	}
	s := p.b[p.off : p.off+n]
	p.off += n
	return s, nil
}

func (p *parser) u32(what string) (uint32, error) {
	s, err := p.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(s), nil
}

// size reads an int32 that must lie in [lo, hi].
func (p *parser) size(what string, lo, hi int) (int, error) {
	u, err := p.u32(what)
	if err != nil {
		return 0, err
	}
	v := int(int32(u))
	if v < lo || v > hi {
		return 0, fmt.Errorf("%w: %s is %d at offset %d, want %d to %d", ErrCorrupt, what, v, p.off-4, lo, hi)
	}
	return v, nil
}

func (p *parser) header(f *File) error {
	n, err := p.size("model type length", 0, MaxTypeLen)
	if err != nil {
		return err
	}
	s, err := p.take(n, "model type")
	if err != nil {
		return err
	}
	f.Type = string(s)
	for i, what := range []string{"major version", "minor version", "patch version"} {
		if f.Version[i], err = p.size(what, 0, 1<<30); err != nil {
			return err
		}
	}
	ints := []struct {
		dst  *int
		what string
		lo   int
	}{{&f.Window, "window size", 1}, {&f.Context, "context size", 0}}
	for _, x := range ints {
		if *x.dst, err = p.size(x.what, x.lo, MaxChannels); err != nil {
			return err
		}
	}
	layers, err := p.size("encoder layer count", 1, MaxLayers)
	if err != nil {
		return err
	}
	f.Encoder = make([]ConvSpec, layers)
	for i := range f.Encoder {
		c := &f.Encoder[i]
		for _, x := range []struct {
			dst  *int
			what string
		}{{&c.In, "in channels"}, {&c.Out, "out channels"}, {&c.Kernel, "kernel size"}} {
			if *x.dst, err = p.size(fmt.Sprintf("encoder layer %d %s", i, x.what), 1, MaxChannels); err != nil {
				return err
			}
		}
	}
	for _, x := range []struct {
		dst  *int
		what string
	}{{&f.LSTMInput, "LSTM input size"}, {&f.LSTMHidden, "LSTM hidden size"}, {&f.FinalIn, "final conv in"}, {&f.FinalOut, "final conv out"}} {
		if *x.dst, err = p.size(x.what, 1, MaxChannels); err != nil {
			return err
		}
	}
	return nil
}

// tensor reads the i-th tensor record: n_dims, name length, type, the
// dims (innermost first), the name, the data.
func (p *parser) tensor(i int) (*ggml.Tensor, error) {
	where := fmt.Sprintf("tensor #%d", i)
	nDims, err := p.size(where+" n_dims", 0, ggml.MaxDims)
	if err != nil {
		return nil, err
	}
	nameLen, err := p.size(where+" name length", 1, MaxNameLength)
	if err != nil {
		return nil, err
	}
	typ, err := p.u32(where + " type")
	if err != nil {
		return nil, err
	}
	// A scalar (n_dims 0, the final bias) is ggml's ne {1, 1, 1, 1}: shape
	// [1] here, since a ggml.Tensor has at least one dimension.
	t := &ggml.Tensor{Type: ggml.Type(typ), Shape: make([]int, max(nDims, 1))}
	if t.Type != ggml.F32 && t.Type != ggml.F16 {
		return nil, fmt.Errorf("%w: %s has ggml type %d, want F32 (0) or F16 (1)", ErrCorrupt, where, typ)
	}
	n := 1
	if nDims == 0 {
		t.Shape[0] = 1
	}
	for d := range t.Shape[:nDims] {
		// Every dimension is bounded by the bytes left, so the product
		// is too (checked below) and cannot overflow.
		if t.Shape[d], err = p.size(fmt.Sprintf("%s dim %d", where, d), 1, len(p.b)); err != nil {
			return nil, err
		}
		n *= t.Shape[d]
		if n > len(p.b) {
			return nil, fmt.Errorf("%w: %s has shape %v, more elements than the file has bytes", ErrTruncated, where, t.Shape[:d+1])
		}
	}
	name, err := p.take(nameLen, where+" name")
	if err != nil {
		return nil, err
	}
	t.Name = string(name)
	data, err := p.take(t.Type.RowBytes(n), fmt.Sprintf("tensor %q data (%v %v)", t.Name, t.Type, t.Shape))
	if err != nil {
		return nil, err
	}
	t.Data = data
	return t, nil
}
