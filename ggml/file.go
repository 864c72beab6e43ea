package ggml

// Magic is the first four bytes of a ggml model file, read as a
// little-endian uint32 (GGML_FILE_MAGIC, "lmgg" on disk).
const Magic uint32 = 0x67676d6c

// MultilingualVocab is the smallest n_vocab of a multilingual model; the
// English-only models have 51864.
const MultilingualVocab = 51865

// MelFilters is the mel filterbank stored in the file.
type MelFilters struct {
	NMel int       // mel bands (rows)
	NFFT int       // frequency bins per band (201 for a 400-point FFT)
	Data []float32 // NMel×NFFT weights, row-major [mel][bin]
}

// File is a parsed whisper.cpp ggml model file.
type File struct {
	// Hparams are the model's hyperparameters.
	Hparams Hparams
	// Filters is the mel filterbank.
	Filters MelFilters
	// Vocab holds the stored tokens' bytes; the token id is the index.
	// Special tokens (ids from len(Vocab) up to NVocab) are not stored.
	Vocab [][]byte
	// Tensors are the tensors in file order.
	Tensors []*Tensor

	index  map[string]*Tensor // built by Read
	mapped bool               // set by Open: data and tokens are slices of a mapping
}

// Tensor returns the tensor with the given name. It uses the index Read
// builds (kept while Tensors is not changed) and otherwise searches Tensors,
// as for a File assembled by hand.
func (f *File) Tensor(name string) (*Tensor, bool) {
	if f.index != nil && len(f.index) == len(f.Tensors) {
		t, ok := f.index[name]
		return t, ok
	}
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Multilingual reports whether the model is multilingual (n_vocab ≥ 51865);
// its special token ids are then shifted by one and it has language tokens.
func (f *File) Multilingual() bool { return f.Hparams.NVocab >= MultilingualVocab }

// Size is the total size in bytes of the tensors' data as stored.
func (f *File) Size() int64 {
	var n int64
	for _, t := range f.Tensors {
		n += int64(len(t.Data))
	}
	return n
}
