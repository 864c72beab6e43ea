package whispertest

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/pipeline"
)

// storedTokens is how many tokens whisper.cpp's model files store; the
// special tokens (<|startoftranscript|>, languages, timestamps…) follow.
const storedTokens = 50257

// SyntheticHeader returns a model header for dimensions d that needs no
// fixture files: d's hyperparameters, the standard Slaney mel filters, and a
// made-up vocabulary of 50,257 tokens whose first 256 are the single bytes
// (so any text can be encoded) and whose last is "<|endoftext|>". Tests and
// benchmarks use it with WriteModel where ../shared is absent.
func SyntheticHeader(d Dims) *ggml.File {
	f := &ggml.File{Hparams: d.Hparams(0)}
	f.Filters = ggml.MelFilters{NMel: d.NMels, NFFT: 201, Data: pipeline.MelFilters(d.NMels)}
	f.Vocab = make([][]byte, storedTokens)
	for i := range 256 {
		f.Vocab[i] = []byte{byte(i)}
	}
	for i := 256; i < storedTokens-1; i++ {
		f.Vocab[i] = []byte(fmt.Sprintf(" w%d", i))
	}
	f.Vocab[storedTokens-1] = []byte("<|endoftext|>")
	return f
}

// RandomValue is a value function for WriteModel: R7's generator, usable at
// any dimensions.
func RandomValue(name string, i uint64) float32 { return R7Value(name, i) }
