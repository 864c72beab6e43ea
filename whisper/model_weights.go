package whisper

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// matrix returns the named weight matrix of ne shape (cols, rows), kept in
// the file's storage type: an F16 or quantized (Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0) tensor is viewed in place, not copied or widened (the kernels read
// its half-precision values or ggml blocks directly, at any byte
// alignment); an F32 tensor is converted to float32 as get does.
func (l *loader) matrix(name string, cols, rows int) kernel.Weights {
	shape := []int{cols, rows}
	t, ok := l.f.Tensor(name)
	if !ok || t.Type == ggml.F32 {
		return kernel.F32Weights(l.get(name, shape...))
	}
	l.used[name] = true
	if !sameShape(t.Shape, shape) {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrModel, name, t.Shape, shape))
		return kernel.Weights{}
	}
	// Whole blocks per row: ggml.Read refuses other files, and
	// StoredWeights checks it with the byte length.
	w, err := kernel.StoredWeights(t.Type, t.Data, shape[1], shape[0])
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s: %w", ErrModel, name, err))
		return kernel.Weights{}
	}
	l.bytes += w.Bytes()
	return w
}
