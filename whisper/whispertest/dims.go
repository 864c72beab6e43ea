package whispertest

import "github.com/xdna-worker/xdna-worker/ggml"

// Dims are a Whisper model's dimensions, in ggml file order.
type Dims struct {
	NVocab, NAudioCtx, NAudioState, NAudioHead, NAudioLayer int
	NTextCtx, NTextState, NTextHead, NTextLayer, NMels      int
}

// Model dimensions.
var (
	// Tiny is whisper tiny.en (English-only; tiny has NVocab 51865).
	Tiny = Dims{51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80}
	// Base is the multilingual whisper base.
	Base = Dims{51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80}
	// R7 is the random-weight model of the fixtures' README: tiny.en's
	// vocabulary and contexts, width 128, 2 heads, 2 layers each side.
	R7 = Dims{51864, 1500, 128, 2, 2, 448, 128, 2, 2, 80}
)

// Hparams returns the dimensions as ggml hyperparameters with file type
// ftype.
func (d Dims) Hparams(ftype int) ggml.Hparams {
	return ggml.Hparams{
		NVocab: d.NVocab, NAudioCtx: d.NAudioCtx, NAudioState: d.NAudioState, NAudioHead: d.NAudioHead,
		NAudioLayer: d.NAudioLayer, NTextCtx: d.NTextCtx, NTextState: d.NTextState, NTextHead: d.NTextHead,
		NTextLayer: d.NTextLayer, NMels: d.NMels, FType: ftype,
	}
}
