package vad_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// Fixture names in ../shared/fixtures/vad (see its README).
const (
	modelFixture    = "for-tests-silero-v6.2.0-ggml.bin"
	probsFixture    = "jfk.vad.probs.f32"
	segmentsFixture = "jfk.vad.segments.txt"
)

// vadFixture returns the path of a file in ../shared/fixtures/vad, the
// sibling of the Whisper fixtures, ending tb as testenv.Missing does when
// it is absent (skip locally, fail under CI).
func vadFixture(tb testing.TB, name string) string {
	tb.Helper()
	dir, ok := whispertest.FixturesDir()
	if !ok {
		testenv.Missing(tb, "VAD fixtures not found (../shared/fixtures/vad beside the module root); %s is needed", name)
	}
	p := filepath.Join(filepath.Dir(dir), "vad", name)
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(tb, "VAD fixture missing: %v", err)
	}
	return p
}

var (
	modelOnce sync.Once
	model     *vad.Model
	modelErr  error
)

// loadModel loads the Silero v6.2.0 fixture once per test binary.
func loadModel(tb testing.TB) *vad.Model {
	tb.Helper()
	path := vadFixture(tb, modelFixture)
	modelOnce.Do(func() { model, modelErr = vad.Load(path) })
	if modelErr != nil {
		tb.Fatal(modelErr)
	}
	return model
}

// readF32 reads a float32 little-endian file.
func readF32(tb testing.TB, path string) []float32 {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// jfkSamples reads jfk.wav (16-bit PCM mono 16 kHz) as whisper.cpp's
// vadref does: s/32768.
func jfkSamples(tb testing.TB) []float32 {
	tb.Helper()
	b, err := os.ReadFile(whispertest.Fixture(tb, whispertest.JFKWav))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if string(b[i:i+4]) == "data" {
			d := b[i+8 : min(len(b), i+8+n)]
			s := make([]float32, len(d)/2)
			for k := range s {
				s[k] = float32(int16(binary.LittleEndian.Uint16(d[2*k:]))) / 32768
			}
			return s
		}
		i += 8 + n + n&1
	}
	tb.Fatal("jfk.wav has no data chunk")
	return nil
}
