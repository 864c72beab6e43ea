package whisper

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// matrix returns the named weight matrix, checking its ne shape: an F16
// tensor stays in half precision (its data viewed in place, not copied);
// any other type is converted to float32 as get does.
func (l *loader) matrix(name string, shape ...int) kernel.Weights {
	t, ok := l.f.Tensor(name)
	if !ok || t.Type != ggml.F16 {
		return kernel.F32Weights(l.get(name, shape...))
	}
	l.used[name] = true
	if !sameShape(t.Shape, shape) {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrModel, name, t.Shape, shape))
		return kernel.Weights{}
	}
	if want := 2 * t.Elements(); len(t.Data) != want {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s has %d bytes of F16 data, want %d", ErrModel, name, len(t.Data), want))
		return kernel.Weights{}
	}
	w := kernel.F16Weights(halves(t.Data))
	l.bytes += w.Bytes()
	return w
}

// littleEndian reports whether the host stores a uint16 as the file does.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// halves views little-endian half-precision data as []uint16 without a
// copy where the host's byte order and the data's alignment allow it, and
// decodes a copy otherwise.
func halves(b []byte) []uint16 {
	if len(b) < 2 {
		return []uint16{}
	}
	p := unsafe.SliceData(b)
	if littleEndian && uintptr(unsafe.Pointer(p))%2 == 0 {
		return unsafe.Slice((*uint16)(unsafe.Pointer(p)), len(b)/2)
	}
	h := make([]uint16, len(b)/2)
	for i := range h {
		h[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return h
}
