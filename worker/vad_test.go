package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// vadModelFile returns the real Silero VAD fixture
// (../shared/fixtures/vad/for-tests-silero-v6.2.0-ggml.bin), ending the
// test as testenv.Missing does when it is absent (skip locally, fail under
// CI).
func vadModelFile(t *testing.T) string {
	t.Helper()
	dir, ok := whispertest.FixturesDir()
	if !ok {
		testenv.Missing(t, "fixtures not found (../shared/fixtures beside the module root); the VAD model is needed")
	}
	p := filepath.Join(filepath.Dir(dir), "vad", "for-tests-silero-v6.2.0-ggml.bin")
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(t, "VAD model fixture missing: %v", err)
	}
	return p
}

func silence(seconds float64) []byte {
	var b bytes.Buffer
	wav.Write(&b, make([]float32, int(seconds*pipeline.SampleRate)), pipeline.SampleRate)
	return b.Bytes()
}

// With VAD_MODEL, a job's vad (or VAD_DEFAULT when it does not say)
// decides whether only speech reaches the encoder: silence with VAD is a
// transcript without segments and without encoder time, and the result
// reports timings_ms.vad.
func TestVADJobs(t *testing.T) {
	e := newEnv(t)
	e.startWorker(map[string]string{"VAD_MODEL": vadModelFile(t), "VAD_DEFAULT": "true"})
	audio := e.put("silence.wav", silence(40))
	off := false
	e.submit(&job.Job{ID: "vad-default", Audio: audio})
	e.submit(&job.Job{ID: "vad-off", Audio: audio, VAD: &off})
	rs := e.results(2, time.Minute)
	r := rs["vad-default"][0]
	if r.Status != job.StatusSucceeded || len(r.Segments) != 0 || r.DurationS != 40 {
		t.Fatalf("vad-default: %s", mustJSON(r))
	}
	if _, ok := r.TimingsMS["vad"]; !ok || r.TimingsMS["encode"] != 0 || r.TimingsMS["mel"] != 0 {
		t.Fatalf("vad-default timings: %v", r.TimingsMS)
	}
	r = rs["vad-off"][0]
	if _, ok := r.TimingsMS["vad"]; ok || r.Status != job.StatusSucceeded || r.TimingsMS["encode"] < 10 {
		t.Fatalf("vad-off: %s", mustJSON(r)) // two sim windows of 5 ms
	}
}

// A job asking for vad on a worker without VAD_MODEL runs on all its
// audio, and the log says so.
func TestVADWithoutModel(t *testing.T) {
	e := newEnv(t)
	e.startWorker(nil)
	on := true
	e.submit(&job.Job{ID: "vad-on", Audio: e.put("silence.wav", silence(5)), VAD: &on})
	r := e.results(1, time.Minute)["vad-on"][0]
	if _, ok := r.TimingsMS["vad"]; ok || r.Status != job.StatusSucceeded || r.TimingsMS["encode"] < 5 {
		t.Fatalf("%s", mustJSON(r))
	}
	if !strings.Contains(e.logs.String(), "no VAD_MODEL") {
		t.Fatalf("no log line about the missing VAD_MODEL:\n%s", e.logs.String())
	}
}

// An unusable VAD_MODEL is a configuration error (exit 2), and so is
// VAD_DEFAULT=true without one.
func TestVADConfig(t *testing.T) {
	e := newEnv(t)
	bad := filepath.Join(t.TempDir(), "not-a-model.bin")
	if err := os.WriteFile(bad, []byte("not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := e.config(map[string]string{"VAD_MODEL": bad})
	if w, err := worker.Open(context.Background(), cfg, slog.New(slog.DiscardHandler)); !errors.Is(err, worker.ErrConfig) || !strings.Contains(err.Error(), "VAD_MODEL") {
		if w != nil {
			w.Close()
		}
		t.Fatalf("bad VAD_MODEL: %v", err)
	}
	if _, err := worker.LoadConfig(map[string]string{"VAD_DEFAULT": "true"}); err == nil || !strings.Contains(err.Error(), "VAD_DEFAULT=true needs VAD_MODEL") {
		t.Fatalf("VAD_DEFAULT without VAD_MODEL: %v", err)
	}
}

// The segmentation parameters default to whisper.cpp's and each has a
// setting, checked at start.
func TestVADParamsConfig(t *testing.T) {
	cfg, err := worker.LoadConfig(map[string]string{})
	if err != nil && !strings.Contains(err.Error(), "NATS_URL") {
		t.Fatal(err)
	}
	if got := cfg.VADParams(); got != vad.DefaultParams() {
		t.Errorf("defaults %+v, want whisper.cpp's %+v", got, vad.DefaultParams())
	}
	cfg, _ = worker.LoadConfig(map[string]string{"VAD_THRESHOLD": "0.6", "VAD_MIN_SPEECH": "300ms", "VAD_MIN_SILENCE": "200ms",
		"VAD_MAX_SPEECH": "20s", "VAD_SPEECH_PAD": "50ms", "VAD_OVERLAP": "200ms"})
	want := vad.Params{Threshold: 0.6, MinSpeech: 300 * time.Millisecond, MinSilence: 200 * time.Millisecond,
		MaxSpeech: 20 * time.Second, SpeechPad: 50 * time.Millisecond, Overlap: 200 * time.Millisecond}
	if got := cfg.VADParams(); got != want {
		t.Errorf("set: %+v, want %+v", got, want)
	}
	for _, bad := range []map[string]string{{"VAD_THRESHOLD": "1.5"}, {"VAD_THRESHOLD": "0"}, {"VAD_MIN_SILENCE": "-1s"}, {"VAD_OVERLAP": "2h"}} {
		var name string
		for k := range bad {
			name = k
		}
		if _, err := worker.LoadConfig(bad); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
