package whisper_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// randomModel writes and loads a random-weight model of dimensions d with a
// synthetic header (no fixtures needed).
func randomModel(tb testing.TB, d whispertest.Dims, typ ggml.Type) (*whisper.Model, string) {
	tb.Helper()
	return writeModel(tb, d, typ, whispertest.RandomValue)
}

// writeModel writes and loads a model of dimensions d and type typ with a
// synthetic header and the weights value gives.
func writeModel(tb testing.TB, d whispertest.Dims, typ ggml.Type, value func(string, uint64) float32) (*whisper.Model, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "random.bin")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := whispertest.WriteModel(f, whispertest.SyntheticHeader(d), d, typ, value); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	m, err := whisper.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return m, path
}

// randomMel returns a log-mel-like window: values in [-1, 1.5].
func randomMel(m *whisper.Model) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	mel := make([]float32, m.H.NMels*3000)
	for i := range mel {
		mel[i] = float32(r.Float64()*2.5 - 1)
	}
	return mel
}
