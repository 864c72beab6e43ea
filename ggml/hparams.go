package ggml

import "fmt"

// QuantVersionFactor separates the quantization version from the file type
// in Hparams.FType (ggml's GGML_QNT_VERSION_FACTOR).
const QuantVersionFactor = 1000

// QuantVersion is the quantization version (GGML_QNT_VERSION) that
// whisper.cpp's quantize tool records in a quantized file's FType.
const QuantVersion = 2

// Hparams are a whisper.cpp model's hyperparameters, in file order.
type Hparams struct {
	NVocab      int // vocabulary size, special tokens included
	NAudioCtx   int // encoder positions (1500 for 30 s)
	NAudioState int // encoder width
	NAudioHead  int // encoder attention heads
	NAudioLayer int // encoder blocks
	NTextCtx    int // decoder positions (448)
	NTextState  int // decoder width
	NTextHead   int // decoder attention heads
	NTextLayer  int // decoder blocks
	NMels       int // mel bands of the input (80, or 128 for large-v3)
	// FType is the weight type: ggml_ftype in FType%1000 (0 F32, 1 F16,
	// 2 Q4_0, 3 Q4_1, 7 Q8_0, 8 Q5_0, 9 Q5_1) and the quantization
	// version in FType/1000.
	FType int
}

// ftypes maps ggml_ftype values to the type of a model's weight matrices.
var ftypes = map[int]Type{0: F32, 1: F16, 2: Q4_0, 3: Q4_1, 7: Q8_0, 8: Q5_0, 9: Q5_1}

// WeightType is the type FType%1000 says the weight matrices are stored in.
// It returns an error wrapping ErrUnsupportedType for other file types.
func (h Hparams) WeightType() (Type, error) {
	if t, ok := ftypes[h.FType%QuantVersionFactor]; ok && h.FType >= 0 {
		return t, nil
	}
	return 0, fmt.Errorf("%w: ftype %d (ggml_ftype %d)", ErrUnsupportedType, h.FType, h.FType%QuantVersionFactor)
}

// FileType returns the FType value for a model whose weight matrices are t,
// as whisper.cpp's converter (F32, F16) or quantize tool (the quantized
// types, with QuantVersion) writes it.
func FileType(t Type) (int, error) {
	for ft, wt := range ftypes {
		if wt == t {
			if t.Quantized() {
				ft += QuantVersion * QuantVersionFactor
			}
			return ft, nil
		}
	}
	return 0, fmt.Errorf("%w: %v", ErrUnsupportedType, t)
}

// ints lists the hyperparameters in file order.
func (h *Hparams) ints() []*int {
	return []*int{&h.NVocab, &h.NAudioCtx, &h.NAudioState, &h.NAudioHead, &h.NAudioLayer,
		&h.NTextCtx, &h.NTextState, &h.NTextHead, &h.NTextLayer, &h.NMels, &h.FType}
}

// hparamNames are the hyperparameters' names in file order (as ints).
func hparamNames() []string {
	return []string{"n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
		"n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype"}
}
