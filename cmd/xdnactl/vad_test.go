package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// TestVADCommand runs `xdnactl vad` on jfk.wav: whisper.cpp's segments,
// and 344 probabilities in --probs-out, those of the shared fixture
// (whisper.cpp with AVX512-FP16) by default and with --numerics f16, those
// of whisper.cpp's portable build with --numerics f32.
func TestVADCommand(t *testing.T) {
	wav := whispertest.Fixture(t, whispertest.JFKWav)
	model := filepath.Join(filepath.Dir(filepath.Dir(wav)), "vad", "for-tests-silero-v6.2.0-ggml.bin")
	if _, err := os.Stat(model); err != nil {
		testenv.Missing(t, "VAD fixture missing: %v", err)
	}
	probs := filepath.Join(t.TempDir(), "p.f32")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"vad", "--model", model, "--probs-out", probs, wav}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "0.32 2.27\n3.27 4.41\n5.38 7.68\n8.16 10.62\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if st, err := os.Stat(probs); err != nil || st.Size() != 344*4 {
		t.Errorf("--probs-out: %v, %v", st, err)
	}
	fixture := filepath.Join(filepath.Dir(model), "jfk.vad.probs.f32")
	portable := filepath.Join("..", "..", "vad", "testdata", "jfk.portable.probs.f32")
	for _, c := range []struct {
		args []string
		want string
		tol  float64
	}{{nil, fixture, 1e-5}, {[]string{"--numerics", "f16"}, fixture, 1e-5}, {[]string{"--numerics", "f32"}, portable, 1e-3}} {
		out.Reset()
		errb.Reset()
		args := append(append([]string{"vad", "--model", model, "--probs-out", probs}, c.args...), wav)
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errb.String())
		}
		if d := maxProbDelta(t, probs, c.want); d > c.tol {
			t.Errorf("%v: max |Δ| = %.3g vs %s, want ≤ %g", c.args, d, c.want, c.tol)
		}
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"vad", "--model", model, "--numerics", "f64", wav}, &out, &errb); code != 2 {
		t.Errorf("--numerics f64: exit %d (%s), want 2", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"vad", "--model", wav, wav}, &out, &errb); code != 2 {
		t.Errorf("a WAV as the model: exit %d (%s), want 2", code, errb.String())
	}
}

// maxProbDelta returns max |a[i] − b[i]| of two float32 files of equal
// length.
func maxProbDelta(t *testing.T, a, b string) float64 {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != len(y) {
		t.Fatalf("%s: %d bytes, %s: %d", a, len(x), b, len(y))
	}
	worst := 0.0
	for i := 0; i+4 <= len(x); i += 4 {
		p := math.Float32frombits(binary.LittleEndian.Uint32(x[i:]))
		q := math.Float32frombits(binary.LittleEndian.Uint32(y[i:]))
		worst = max(worst, math.Abs(float64(p-q)))
	}
	return worst
}
