package whispertest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/internal/testenv"
)

// Fixture file names in FixturesDir.
const (
	TinyENHeader = "for-tests-ggml-tiny.en.bin" // tiny.en header, filters, vocabulary; no tensors
	BaseHeader   = "for-tests-ggml-base.bin"    // multilingual base, likewise
	JFKWav       = "jfk.wav"                    // 11 s of speech, 16-bit PCM mono 16 kHz
	R7Logits     = "xcheck/r7-tiny-128x2x2.jfk.logits.f32"
)

var fixtures = sync.OnceValues(findFixtures)

// FixturesDir returns the shared Whisper fixtures directory: walking up
// from the working directory to the one holding go.mod (the module root),
// then ../shared/fixtures/whisper. ok is false when there is none, as in a
// user's clone.
func FixturesDir() (dir string, ok bool) { return fixtures() }

func findFixtures() (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			fx := filepath.Join(filepath.Dir(dir), "shared", "fixtures", "whisper")
			if st, err := os.Stat(fx); err == nil && st.IsDir() {
				return fx, true
			}
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// RequireFixtures returns FixturesDir, ending tb when there is none:
// skipped with a clear message in a user's clone, failed under CI
// (testenv.Missing).
func RequireFixtures(tb testing.TB) string {
	tb.Helper()
	dir, ok := FixturesDir()
	if !ok {
		testenv.Missing(tb, "Whisper fixtures not found (../shared/fixtures/whisper beside the module root)")
	}
	return dir
}

// Fixture returns the path of the named fixture file (one of the constants
// above), ending tb as RequireFixtures does when it is absent.
func Fixture(tb testing.TB, name string) string {
	tb.Helper()
	dir, ok := FixturesDir()
	if !ok {
		testenv.Missing(tb, "Whisper fixtures not found (../shared/fixtures/whisper beside the module root); %s is needed", name)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(tb, "Whisper fixture missing: %v", err)
	}
	return p
}

// Header reads a header fixture (hyperparameters, mel filters and
// vocabulary, no tensors) such as TinyENHeader.
func Header(path string) (*ggml.File, error) {
	f, err := ggml.Open(path)
	if err != nil {
		return nil, fmt.Errorf("whispertest: header %s: %w", path, err)
	}
	return f, nil
}
