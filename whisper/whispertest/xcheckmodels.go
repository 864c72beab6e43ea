package whispertest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/pipeline"
)

// Dimensions of the two random-weight models the whisper.cpp cross-checks
// add to R7 (R7 is English-only, so it cannot detect a language).
var (
	// R7ML is R7 with the multilingual base vocabulary (n_vocab 51865, 99
	// languages): the same widths, heads, layers and weights generator.
	R7ML = Dims{51865, 1500, 128, 2, 2, 448, 128, 2, 2, 80}
	// V3 is shaped like large-v3 where it matters to the code paths: 128
	// mel bins and the 100-language vocabulary (n_vocab 51866), with width
	// 96, 3 heads, 3 encoder layers and 2 decoder layers (unequal on
	// purpose) so it stays small.
	V3 = Dims{51866, 1500, 96, 3, 3, 448, 96, 3, 2, 128}
)

// V3Seed is the seed of V3's weights (SeededValue(V3Seed)); seed 6 was
// chosen because its greedy decode of jfk.wav has two timestamped segments.
const V3Seed = 6

// Sizes and SHA-256 of the files WriteR7ML and WriteV3 write, against
// which whisper.cpp's reference outputs in whisper/testdata/xcheck were
// made.
const (
	R7MLSize   = 32_154_307
	R7MLSHA256 = "48bc7a2b346dc9cd5d62518728c8cfdea620feff3f2faa0aff640e9c34798901"
	V3Size     = 24_077_651
	V3SHA256   = "b5ec3e66205753db85642bfb1092e212cd1720ae265ba9446fdaab95b9486133"
)

// WriteR7ML writes model R7ML to w: base's header (80 mel filters and
// vocabulary, copied from the BaseHeader fixture), R7's F32 weights
// (R7Value). Without fixtures it returns ErrNoFixtures.
func WriteR7ML(w io.Writer) error {
	h, err := fixtureHeader(BaseHeader)
	if err != nil {
		return err
	}
	return WriteModel(w, h, R7ML, ggml.F32, R7Value)
}

// WriteV3 writes model V3 to w: base's vocabulary (from the BaseHeader
// fixture) with 128 Slaney mel filters (pipeline.MelFilters(128)) in place
// of base's 80, and F32 weights from SeededValue(V3Seed). Without fixtures
// it returns ErrNoFixtures.
func WriteV3(w io.Writer) error { return WriteV3Seeded(w, V3Seed) }

// WriteV3Seeded writes V3's dimensions and header with the weights of
// SeededValue(seed).
func WriteV3Seeded(w io.Writer, seed uint64) error {
	h, err := fixtureHeader(BaseHeader)
	if err != nil {
		return err
	}
	h.Filters = ggml.MelFilters{NMel: V3.NMels, NFFT: h.Filters.NFFT, Data: pipeline.MelFilters(V3.NMels)}
	return WriteModel(w, h, V3, ggml.F32, SeededValue(seed))
}

// fixtureHeader reads the named header fixture.
func fixtureHeader(name string) (*ggml.File, error) {
	dir, ok := FixturesDir()
	if !ok {
		return nil, ErrNoFixtures
	}
	return Header(filepath.Join(dir, name))
}

// R7MLModel writes model R7ML into a temporary directory of tb and returns
// its path, skipping tb when the fixtures are absent (failing under CI).
func R7MLModel(tb testing.TB) string {
	tb.Helper()
	return writeTemp(tb, BaseHeader, "ggml-r7ml-128x2x2.bin", WriteR7ML)
}

// V3Model writes model V3 into a temporary directory of tb and returns its
// path, skipping tb when the fixtures are absent (failing under CI).
func V3Model(tb testing.TB) string {
	tb.Helper()
	return writeTemp(tb, BaseHeader, "ggml-v3-96x3x3x2-128mel.bin", WriteV3)
}

// V3SeededModel writes WriteV3Seeded(seed)'s model into a temporary
// directory of tb and returns its path, as V3Model does.
func V3SeededModel(tb testing.TB, seed uint64) string {
	tb.Helper()
	return writeTemp(tb, BaseHeader, fmt.Sprintf("ggml-v3-96x3x3x2-128mel-s%d.bin", seed), func(w io.Writer) error { return WriteV3Seeded(w, seed) })
}

// writeTemp writes a model with write into tb's temporary directory.
func writeTemp(tb testing.TB, fixture, name string, write func(io.Writer) error) string {
	tb.Helper()
	Fixture(tb, fixture)
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := write(f); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(fmt.Errorf("whispertest: %w", err))
	}
	return path
}
