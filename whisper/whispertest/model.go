package whispertest

import (
	"bufio"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// TensorType is the type a tensor is stored in within a model whose weight
// type is model, following whisper.cpp's tools so that whisper.cpp would
// load the file: convert-pt-to-ggml.py keeps 1-D tensors, the conv biases
// and both positional embeddings in F32 and stores every other tensor in
// the model type (F32 or F16); the quantize tool then quantizes the 2-D
// tensors among those (weight matrices and the token embedding), leaving
// the 3-D conv weights in F16. A matrix whose rows are not whole blocks of
// the quantized type stays F16 (whisper.cpp could not quantize it).
func TensorType(s Spec, model ggml.Type) ggml.Type {
	switch {
	case model == ggml.F32:
		return ggml.F32
	case len(s.Shape) < 2 || keptF32[s.Name]:
		return ggml.F32
	case model == ggml.F16 || len(s.Shape) != 2 || s.Shape[0]%model.BlockSize() != 0:
		return ggml.F16
	}
	return model
}

// keptF32 are the multi-dimensional tensors whisper.cpp's converter keeps
// in F32 and its quantize tool skips.
var keptF32 = map[string]bool{
	"encoder.conv1.bias":           true,
	"encoder.conv2.bias":           true,
	"encoder.positional_embedding": true,
	"decoder.positional_embedding": true,
}

// WriteModel writes a whole Whisper model with dimensions d to w: header's
// mel filters and vocabulary (its hparams and tensors are ignored; it must
// have d.NMels filters), then
// every tensor of TensorSpecs(d) in order, element i (1-based, in storage
// order) of the tensor called name being value(name, i).
//
// typ is the model's weight type (F32, F16 or a quantized type); each
// tensor's own type is TensorType, and the header's ftype is what
// whisper.cpp would record (ggml.FileType). As in whisper.cpp, where a
// quantized model is made from an F16 one, values bound for a quantized
// tensor are rounded to F16 before being quantized.
func WriteModel(w io.Writer, header *ggml.File, d Dims, typ ggml.Type, value func(name string, i uint64) float32) error {
	ftype, err := ggml.FileType(typ)
	if err != nil {
		return fmt.Errorf("whispertest: %w", err)
	}
	if header.Filters.NMel != d.NMels {
		return fmt.Errorf("whispertest: header has %d mel filters, model wants %d", header.Filters.NMel, d.NMels)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := &ggml.File{Hparams: d.Hparams(ftype), Filters: header.Filters, Vocab: header.Vocab}
	if err := ggml.Write(bw, hdr); err != nil {
		return fmt.Errorf("whispertest: %w", err)
	}
	var buf []float32
	for _, s := range TensorSpecs(d) {
		t, err := makeTensor(s, TensorType(s, typ), value, &buf)
		if err != nil {
			return fmt.Errorf("whispertest: %w", err)
		}
		if err := ggml.WriteTensor(bw, t); err != nil {
			return fmt.Errorf("whispertest: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("whispertest: writing model: %w", err)
	}
	return nil
}

// makeTensor builds one tensor, generating and encoding its values a few
// rows at a time through the reusable *buf.
func makeTensor(s Spec, typ ggml.Type, value func(string, uint64) float32, buf *[]float32) (*ggml.Tensor, error) {
	n, row := s.Elements(), s.Shape[0]
	t := &ggml.Tensor{Name: s.Name, Type: typ, Shape: append([]int(nil), s.Shape...)}
	if row%typ.BlockSize() != 0 {
		return nil, fmt.Errorf("tensor %s: rows of %d are not whole %v blocks", s.Name, row, typ)
	}
	t.Data = make([]byte, typ.RowBytes(n))
	chunk := max(1, 1<<16/row) * row
	if cap(*buf) < chunk {
		*buf = make([]float32, chunk)
	}
	for start := 0; start < n; start += chunk {
		x := (*buf)[:min(chunk, n-start)]
		for j := range x {
			v := value(s.Name, uint64(start+j+1))
			if typ.Quantized() {
				v = ggml.Float16ToFloat32(ggml.Float32ToFloat16(v))
			}
			x[j] = v
		}
		off := typ.RowBytes(start)
		if err := typ.Encode(t.Data[off:off+typ.RowBytes(len(x))], x); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", s.Name, err)
		}
	}
	return t, nil
}
