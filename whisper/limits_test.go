package whisper_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// headerModel is small's model with its hyperparameters changed by edit,
// a vocabulary of the 256 byte tokens, and the first n of small's tensors of
// at most 4 KB (biases and layer norms), so that it stays small.
func headerModel(tb testing.TB, edit func(*ggml.Hparams), n int) *ggml.File {
	tb.Helper()
	var full bytes.Buffer
	h := whispertest.SyntheticHeader(small)
	if err := whispertest.WriteModel(&full, h, small, ggml.F16, whispertest.RandomValue); err != nil {
		tb.Fatal(err)
	}
	f, err := ggml.Read(bytes.NewReader(full.Bytes()))
	if err != nil {
		tb.Fatal(err)
	}
	f.Vocab = f.Vocab[:256]
	var keep []*ggml.Tensor
	for _, t := range f.Tensors {
		if len(keep) < n && len(t.Data) <= 4096 {
			keep = append(keep, t)
		}
	}
	f.Tensors = keep
	if edit != nil {
		edit(&f.Hparams)
	}
	return f
}

// encode writes f as a ggml file.
func encode(tb testing.TB, f *ggml.File) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := ggml.Write(&b, f); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// headerFile is headerModel's file.
func headerFile(tb testing.TB, edit func(*ggml.Hparams), n int) []byte {
	return encode(tb, headerModel(tb, edit, n))
}

// stubFilters replaces a model's mel filters by FuzzFromFile's 1×1
// stand-in, which the fuzz target expands back to n_mels×201, so that seeds
// stay small (the real filters alone are 64 KB, and the fuzzer's minimizer
// stalls on inputs that size).
func stubFilters(f *ggml.File) *ggml.File {
	f.Filters = ggml.MelFilters{NMel: 1, NFFT: 1, Data: []float32{0}}
	return f
}

// allocated returns the bytes fn allocates (runtime.MemStats.TotalAlloc).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 8, item 17: a header with absurd layer counts, widths or contexts is
// an invalid model, refused before anything is sized by it (2^31−1 layers
// was a fatal out-of-memory crash, 2^20 half a GiB of empty blocks).
func TestLoadRefusesAbsurdHparams(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*ggml.Hparams)
	}{
		{"2^31-1 encoder layers", func(h *ggml.Hparams) { h.NAudioLayer = 1<<31 - 1 }},
		{"2^20 encoder layers", func(h *ggml.Hparams) { h.NAudioLayer = 1 << 20 }},
		{"2^20 decoder layers", func(h *ggml.Hparams) { h.NTextLayer = 1 << 20 }},
		{"more layers than tensors", func(h *ggml.Hparams) { h.NAudioLayer, h.NTextLayer = whisper.MaxLayers, whisper.MaxLayers }},
		{"2^24 text positions", func(h *ggml.Hparams) { h.NTextCtx = 1 << 24 }},
		{"width 2^24", func(h *ggml.Hparams) { h.NTextState = 1 << 24 }},
		{"2^24 heads", func(h *ggml.Hparams) { h.NAudioHead = 1 << 24 }},
		{"n_vocab 2^24", func(h *ggml.Hparams) { h.NVocab = 1 << 24 }},
		{"negative layers", func(h *ggml.Hparams) { h.NTextLayer = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.bin")
			if err := os.WriteFile(path, headerFile(t, tc.edit, 1<<30), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			n := allocated(func() { _, err = whisper.Load(path) })
			if !errors.Is(err, whisper.ErrModel) {
				t.Fatalf("Load: %v, want ErrModel", err)
			}
			t.Logf("%v; allocated %d MiB", err, n>>20)
			if n > 64<<20 {
				t.Errorf("refusing the header allocated %d MiB", n>>20)
			}
		})
	}
}

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzFromFile")

// TestWriteFuzzSeeds writes FuzzFromFile's seed corpus when run with
// -write-seeds (go test ./whisper -run TestWriteFuzzSeeds -write-seeds):
// small's header (256 tokens, stand-in filters) with 0, 5 or 20 of its
// small tensors, and the same with absurd hyperparameters. A whole valid model cannot be a seed:
// its token embedding alone (n_vocab × width) is over 100 KB.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite testdata/fuzz/FuzzFromFile")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzFromFile")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := func(edit func(*ggml.Hparams), n int) []byte {
		return encode(t, stubFilters(headerModel(t, edit, n)))
	}
	seeds := map[string][]byte{
		"layers-2e31":      seed(func(h *ggml.Hparams) { h.NAudioLayer = 1<<31 - 1 }, 0),
		"layers-too-many":  seed(func(h *ggml.Hparams) { h.NTextLayer = whisper.MaxLayers }, 5),
		"multilingual-hdr": seed(func(h *ggml.Hparams) { h.NVocab = 51865 }, 0),
	}
	for _, n := range []int{0, 5, 20} {
		seeds[fmt.Sprintf("header-%d-tensors", n)] = seed(nil, n)
	}
	for name, data := range seeds {
		seed := []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
		if len(seed) > 100_000 {
			t.Fatalf("seed %s is %d bytes", name, len(seed))
		}
		if err := os.WriteFile(filepath.Join(dir, name), seed, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzFromFile feeds the model loader (ggml.Read, then whisper.FromFile)
// arbitrary bytes (issue 8, item 18). The seed corpus in
// testdata/fuzz/FuzzFromFile runs with every `go test`; `make fuzz` runs a
// campaign. Loading must not panic, and must fail with ErrModel or a ggml
// error, never with anything else. Filters of 1×1 in the input stand for
// n_mels×201 zeros (see stubFilters).
func FuzzFromFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ggml.Read(bytes.NewReader(data))
		if err != nil {
			return // FuzzRead's concern
		}
		if f := file.Filters; f.NMel == 1 && f.NFFT == 1 && (file.Hparams.NMels == 80 || file.Hparams.NMels == 128) {
			// The seeds' stand-in for the 64 KB of real filters.
			file.Filters = ggml.MelFilters{NMel: file.Hparams.NMels, NFFT: 201, Data: make([]float32, file.Hparams.NMels*201)}
		}
		m, err := whisper.FromFile(file)
		if err != nil {
			if !errors.Is(err, whisper.ErrModel) {
				t.Fatalf("error is not ErrModel: %v", err)
			}
			return
		}
		if m.H.NAudioLayer > whisper.MaxLayers || m.H.NTextLayer > whisper.MaxLayers || m.Tok == nil {
			t.Fatalf("loaded a model with %+v", m.H)
		}
	})
}
