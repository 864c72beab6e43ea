package ggml

import (
	"fmt"
	"math"
)

// MaxDims is the largest number of dimensions a ggml tensor has.
const MaxDims = 4

// Tensor is one named tensor of a model file, its data kept as stored.
type Tensor struct {
	// Name is the tensor's name in the file, e.g. "encoder.conv1.weight".
	Name string
	// Type is how Data is encoded.
	Type Type
	// Shape is ggml's ne: the sizes of the dimensions, innermost (fastest
	// varying) first, as in the file; PyTorch's shape reversed.
	Shape []int
	// Data is the raw tensor data as stored: Type.RowBytes(Elements()) bytes.
	Data []byte
}

// NewTensor makes a tensor of type t and shape ne (innermost first) from
// values, encoding (quantizing) them as [Type.Encode] does. len(values) must
// equal the product of shape, and shape[0] must be a multiple of
// t.BlockSize().
func NewTensor(name string, t Type, shape []int, values []float32) (*Tensor, error) {
	tt := &Tensor{Name: name, Type: t, Shape: append([]int(nil), shape...)}
	n, err := elements(shape)
	if err != nil {
		return nil, fmt.Errorf("%w: tensor %q: %v", ErrShape, name, err)
	}
	if n != len(values) {
		return nil, fmt.Errorf("%w: tensor %q has shape %v (%d elements), got %d values", ErrShape, name, shape, n, len(values))
	}
	if err := tt.checkType(); err != nil {
		return nil, err
	}
	tt.Data = make([]byte, t.RowBytes(n))
	if err := t.Encode(tt.Data, values); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return tt, nil
}

// Elements is the number of elements: the product of Shape.
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Dims is the number of dimensions: len(Shape).
func (t *Tensor) Dims() int { return len(t.Shape) }

// Bytes is the size of the data the tensor's type and shape call for. Like
// Type.RowBytes it panics on an unsupported type or rows that are not whole
// blocks, which Read never returns.
func (t *Tensor) Bytes() int { return t.Type.RowBytes(t.Elements()) }

// Float32 returns a freshly allocated float32 copy of the tensor's values,
// dequantized as ggml does.
func (t *Tensor) Float32() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	dst := make([]float32, t.Elements())
	if err := t.Type.Decode(dst, t.Data); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return dst, nil
}

// DecodeInto dequantizes the tensor's values into dst, which must hold
// exactly Elements() values.
func (t *Tensor) DecodeInto(dst []float32) error {
	if err := t.check(); err != nil {
		return err
	}
	if len(dst) != t.Elements() {
		return fmt.Errorf("%w: tensor %q has %d elements, dst holds %d", ErrShape, t.Name, t.Elements(), len(dst))
	}
	if err := t.Type.Decode(dst, t.Data); err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return nil
}

// check validates shape, type and data length together.
func (t *Tensor) check() error {
	if _, err := elements(t.Shape); err != nil {
		return fmt.Errorf("%w: tensor %q: %v", ErrShape, t.Name, err)
	}
	if err := t.checkType(); err != nil {
		return err
	}
	if want := t.Bytes(); len(t.Data) != want {
		return fmt.Errorf("%w: tensor %q (%v %v) needs %d bytes of data, has %d", ErrShape, t.Name, t.Type, t.Shape, want, len(t.Data))
	}
	return nil
}

// checkType validates the type and that rows are whole blocks.
func (t *Tensor) checkType() error {
	if !t.Type.Valid() {
		return fmt.Errorf("%w: tensor %q has ggml type %d; supported: %v", ErrUnsupportedType, t.Name, uint32(t.Type), Types())
	}
	if bs := t.Type.BlockSize(); t.Shape[0]%bs != 0 {
		return fmt.Errorf("%w: tensor %q is %v with rows of %d elements, not a multiple of its block size %d", ErrShape, t.Name, t.Type, t.Shape[0], bs)
	}
	return nil
}

// maxElements bounds a tensor's element count so that its size in bytes
// (at most 4 per element) fits an int.
const maxElements = math.MaxInt / 8

// elements validates a shape and returns its product; the error describes
// the problem without a sentinel, for callers to wrap with theirs.
func elements(shape []int) (int, error) {
	if len(shape) < 1 || len(shape) > MaxDims {
		return 0, fmt.Errorf("%d dimensions, want 1 to %d", len(shape), MaxDims)
	}
	n := 1
	for _, d := range shape {
		if d < 1 {
			return 0, fmt.Errorf("shape %v has a dimension below 1", shape)
		}
		if n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}
