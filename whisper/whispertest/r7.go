package whispertest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Model R7's reference size and SHA-256, from the fixtures' README.
const (
	R7Size   = 32_165_180
	R7SHA256 = "afa02f98265b60af8a06df3bbed7cf17f109af85585940b179649f6a9f41c236"
)

// ErrNoFixtures: the shared Whisper fixtures directory was not found.
var ErrNoFixtures = errors.New("whispertest: Whisper fixtures not found (../shared/fixtures/whisper beside the module root)")

// R7Value is the value of element i (1…n, in storage order) of the tensor
// called name in model R7, by the fixtures' README: a splitmix64-style mix
// of i and the tensor's FNV-1a 64 hash XOR 7, mapped to [-0.05, 0.05);
// LayerNorm weights store 1 plus that.
func R7Value(name string, i uint64) float32 { return seededValue(7, name, i) }

// SeededValue returns a value function for WriteModel: R7's generator with
// seed in place of R7's 7 (SeededValue(7) is R7Value), so tests can make
// many different random-weight models of any size.
func SeededValue(seed uint64) func(name string, i uint64) float32 {
	return func(name string, i uint64) float32 { return seededValue(seed, name, i) }
}

// seededValue is R7's generator with fnv1a64(name) XOR seed as the start.
func seededValue(seed uint64, name string, i uint64) float32 {
	z := fnv1a64(name) ^ seed
	z += i * 0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	u := float64(z>>40) / (1 << 24)
	v := 0.05 * (2*u - 1)
	if isLayerNormWeight(name) {
		return float32(1 + v)
	}
	return float32(v)
}

// isLayerNormWeight matches *_ln.weight, encoder.ln_post.weight and
// decoder.ln.weight.
func isLayerNormWeight(name string) bool {
	return strings.HasSuffix(name, "_ln.weight") || name == "encoder.ln_post.weight" || name == "decoder.ln.weight"
}

// fnv1a64 is the 64-bit FNV-1a hash of s.
func fnv1a64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// WriteR7 writes model R7 (R7Size bytes, SHA-256 R7SHA256) to w. It needs
// the tiny.en header fixture, whose filters and vocabulary it copies byte
// for byte; without fixtures it returns ErrNoFixtures.
func WriteR7(w io.Writer) error {
	dir, ok := FixturesDir()
	if !ok {
		return ErrNoFixtures
	}
	h, err := Header(filepath.Join(dir, TinyENHeader))
	if err != nil {
		return err
	}
	return WriteModel(w, h, R7, ggml.F32, R7Value)
}

// R7Model writes model R7 into a temporary directory of tb and returns its
// path, skipping tb when the fixtures are absent.
func R7Model(tb testing.TB) string {
	tb.Helper()
	Fixture(tb, TinyENHeader)
	path := filepath.Join(tb.TempDir(), "ggml-r7-tiny-128x2x2.bin")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := WriteR7(f); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(fmt.Errorf("whispertest: %w", err))
	}
	return path
}
