package pipeline

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/internal/testenv"
)

// whisperFixtures returns the shared Whisper fixture folder
// (<module root>/../shared/fixtures/whisper), or skips the test when it is
// absent, as it is in a user's clone (under CI it fails: testenv.Missing).
func whisperFixtures(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			testenv.Missing(t, "no go.mod above the test directory, so no ../shared/fixtures/whisper")
		}
		dir = parent
	}
	fx := filepath.Join(dir, "..", "shared", "fixtures", "whisper")
	if _, err := os.Stat(fx); err != nil {
		testenv.Missing(t, "Whisper fixtures not found at %s (they live outside the repository)", fx)
	}
	return fx
}

// fixtureFile returns the path of a fixture, ending the test as
// whisperFixtures does when it is missing.
func fixtureFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(whisperFixtures(t), name)
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(t, "fixture %s not found", p)
	}
	return p
}

// ggmlMelFilters reads n_mels and the mel filterbank from the start of a
// whisper.cpp ggml model file.
func ggmlMelFilters(path string) (nMels int, filters []float32, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	le := binary.LittleEndian
	const hdr = 4 + 11*4 + 8
	if len(b) < hdr {
		return 0, nil, fmt.Errorf("%s: %d bytes, too short", path, len(b))
	}
	if m := le.Uint32(b); m != 0x67676d6c {
		return 0, nil, fmt.Errorf("%s: magic %#x", path, m)
	}
	hpMels := int(int32(le.Uint32(b[4+9*4:])))
	nMel := int(int32(le.Uint32(b[4+11*4:])))
	nFFT := int(int32(le.Uint32(b[4+11*4+4:])))
	if nMel != hpMels || nFFT != NFreqs {
		return 0, nil, fmt.Errorf("%s: n_mel %d (hparams %d), n_fft %d", path, nMel, hpMels, nFFT)
	}
	if len(b) < hdr+4*nMel*nFFT {
		return 0, nil, fmt.Errorf("%s: filterbank truncated", path)
	}
	filters = make([]float32, nMel*nFFT)
	if _, err := binary.Decode(b[hdr:], le, filters); err != nil {
		return 0, nil, err
	}
	return nMel, filters, nil
}
