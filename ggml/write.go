package ggml

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Write writes f to w in the ggml model file layout Read parses: magic,
// hparams, mel filters, vocabulary, then f.Tensors in order. It checks
// first that everything fits the format (filter size, token and name
// lengths, shapes, types, data lengths, unique names) and writes nothing
// if not; such errors wrap ErrCorrupt, ErrShape or ErrUnsupportedType.
func Write(w io.Writer, f *File) error {
	if err := f.check(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, bufferSize)
	e := &encoder{w: bw}
	e.u32(Magic)
	h := f.Hparams
	for _, v := range h.ints() {
		e.i32(*v)
	}
	e.i32(f.Filters.NMel)
	e.i32(f.Filters.NFFT)
	for _, v := range f.Filters.Data {
		e.u32(math.Float32bits(v))
	}
	e.i32(len(f.Vocab))
	for _, tok := range f.Vocab {
		e.u32(uint32(len(tok)))
		e.bytes(tok)
	}
	for _, t := range f.Tensors {
		e.i32(len(t.Shape))
		e.i32(len(t.Name))
		e.u32(uint32(t.Type))
		for _, n := range t.Shape {
			e.i32(n)
		}
		e.bytes([]byte(t.Name))
		e.bytes(t.Data)
	}
	if e.err != nil {
		return fmt.Errorf("ggml: writing: %w", e.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ggml: writing: %w", err)
	}
	return nil
}

// WriteTensor appends one tensor record to w, for tools that stream a
// model's tensors after writing a File without them.
func WriteTensor(w io.Writer, t *Tensor) error {
	if err := t.checkRecord(); err != nil {
		return err
	}
	e := &encoder{w: w}
	e.i32(len(t.Shape))
	e.i32(len(t.Name))
	e.u32(uint32(t.Type))
	for _, n := range t.Shape {
		e.i32(n)
	}
	e.bytes([]byte(t.Name))
	e.bytes(t.Data)
	if e.err != nil {
		return fmt.Errorf("ggml: writing tensor %q: %w", t.Name, e.err)
	}
	return nil
}

// check validates everything Write would write.
func (f *File) check() error {
	h := f.Hparams
	for _, v := range h.ints() {
		if *v != int(int32(*v)) {
			return fmt.Errorf("%w: hparam %d does not fit an int32", ErrCorrupt, *v)
		}
	}
	m := f.Filters
	if m.NMel < 1 || m.NMel > MaxMel || m.NFFT < 1 || m.NFFT > MaxFFT {
		return fmt.Errorf("%w: mel filters are %d×%d, want n_mel 1 to %d and n_fft 1 to %d", ErrCorrupt, m.NMel, m.NFFT, MaxMel, MaxFFT)
	}
	if len(m.Data) != m.NMel*m.NFFT {
		return fmt.Errorf("%w: mel filters are %d×%d but hold %d values", ErrShape, m.NMel, m.NFFT, len(m.Data))
	}
	if len(f.Vocab) > MaxVocab {
		return fmt.Errorf("%w: vocabulary has %d tokens, at most %d", ErrCorrupt, len(f.Vocab), MaxVocab)
	}
	for i, tok := range f.Vocab {
		if len(tok) > MaxTokenLen {
			return fmt.Errorf("%w: vocabulary token %d is %d bytes long, at most %d", ErrCorrupt, i, len(tok), MaxTokenLen)
		}
	}
	seen := make(map[string]bool, len(f.Tensors))
	for _, t := range f.Tensors {
		if err := t.checkRecord(); err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("%w: duplicate tensor name %q", ErrCorrupt, t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

// checkRecord validates a tensor for writing.
func (t *Tensor) checkRecord() error {
	if len(t.Name) < 1 || len(t.Name) > MaxNameLen {
		return fmt.Errorf("%w: tensor name %q is %d bytes long, want 1 to %d", ErrCorrupt, t.Name, len(t.Name), MaxNameLen)
	}
	for _, n := range t.Shape {
		if n != int(int32(n)) {
			return fmt.Errorf("%w: tensor %q: dimension %d does not fit an int32", ErrShape, t.Name, n)
		}
	}
	return t.check()
}

// encoder writes little-endian fields, remembering the first error.
type encoder struct {
	w   io.Writer
	err error
	b   [4]byte
}

func (e *encoder) bytes(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.b[:], v)
	e.bytes(e.b[:])
}

func (e *encoder) i32(v int) { e.u32(uint32(int32(v))) }
