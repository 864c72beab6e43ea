package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// TestVADCommand runs `xdnactl vad` on jfk.wav: whisper.cpp's segments,
// and 344 probabilities in --probs-out.
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
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"vad", "--model", wav, wav}, &out, &errb); code != 2 {
		t.Errorf("a WAV as the model: exit %d (%s), want 2", code, errb.String())
	}
}
