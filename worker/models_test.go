package worker_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/worker"
)

// WHISPER_MODELS is name=path items, the first the default; every problem
// is reported at start, at once.
func TestModelsConfig(t *testing.T) {
	base := map[string]string{"NATS_URL": "nats://127.0.0.1:4222"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cfg, err := worker.LoadConfig(with("WHISPER_MODELS", " base.en=/m/ggml-base.en.bin , tiny_1-q5=/m/tiny.bin,"))
	if err != nil {
		t.Fatal(err)
	}
	want := []worker.ModelSpec{{Name: "base.en", Path: "/m/ggml-base.en.bin"}, {Name: "tiny_1-q5", Path: "/m/tiny.bin"}}
	if got := cfg.Models(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Models() = %+v, want %+v", got, want)
	}
	cfg, err = worker.LoadConfig(with("WHISPER_MODEL", "/m/ggml-base.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Models(); len(got) != 1 || got[0] != (worker.ModelSpec{Path: "/m/ggml-base.bin"}) {
		t.Fatalf("WHISPER_MODEL: Models() = %+v", got)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // each must appear in the error
	}{
		{"both set", with("WHISPER_MODEL", "/m/a.bin", "WHISPER_MODELS", "a=/m/a.bin"), []string{"WHISPER_MODEL and WHISPER_MODELS"}},
		{"duplicate name", with("WHISPER_MODELS", "a=/m/a.bin,a=/m/b.bin"), []string{`"a" is given twice`}},
		{"bad grammar", with("WHISPER_MODELS", "a b=/m/a.bin,"+strings.Repeat("n", 65)+"=/m/b.bin"), []string{`item 1: model name "a b"`, "item 2: model name"}},
		{"no path", with("WHISPER_MODELS", "a=,b"), []string{`item 1 "a="`, `item 2 "b"`}},
		{"empty list", with("WHISPER_MODELS", " , "), []string{"lists no model"}},
		{"all at once", with("WHISPER_MODELS", "a=/x,a=/y,=/z", "XDNA_DEVICE", "gpu"), []string{"given twice", "item 3: model name", "XDNA_DEVICE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := worker.LoadConfig(tc.env)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// Two models of different widths and mel bins on one worker: pools are
// sized for the larger, a job picks its model (empty: the first listed)
// and its result names it; an unknown model fails invalid_job naming the
// models the worker has, and never a path; /health lists both, /metrics
// labels the load gauges by model, /readyz is ready.
func TestSeveralModels(t *testing.T) {
	e := newEnv(t)
	small, large := randomModelFileDims(t, 64, 80), randomModelFileDims(t, 128, 128)
	w, _ := e.startWorker(map[string]string{"XDNA_DEVICE": "cpu", "WHISPER_MODELS": "small=" + small + ",large=" + large,
		"AUDIO_BUFFER_POOL_SIZE": "2", "MEL_BUFFER_POOL_SIZE": "2", "ENCODER_BUFFER_POOL_SIZE": "2"})

	// Pools for the larger model: 128 mel bins, 1500 × 128 encoder output.
	if got, want := w.Pools().Mel.Stats().BufferBytes, int64(128*3000*4); got != want {
		t.Errorf("mel buffers of %d bytes, want %d (128 mels × 3000)", got, want)
	}
	if got, want := w.Pools().EncoderOutput.Stats().BufferBytes, int64(1500*128*4); got != want {
		t.Errorf("encoder_output buffers of %d bytes, want %d (1500 × 128)", got, want)
	}

	ref := e.put("tone.wav", tone(3))
	e.submit(&job.Job{ID: "m-default", Audio: ref, Language: "en"})
	e.submit(&job.Job{ID: "m-small", Audio: ref, Language: "en", Model: "small"})
	e.submit(&job.Job{ID: "m-large", Audio: ref, Language: "en", Model: "large"})
	e.submit(&job.Job{ID: "m-unknown", Audio: ref, Model: "medium"})
	got := e.results(4, 3*time.Minute)
	for id, want := range map[string]string{"m-default": "small", "m-small": "small", "m-large": "large"} {
		r := got[id][0]
		if r.Status != job.StatusSucceeded || r.Model != want || r.Device != "cpu" || r.DurationS != 3 {
			t.Errorf("%s: want succeeded with model %s:\n%s", id, want, mustJSON(r))
		}
	}
	r := got["m-unknown"][0]
	if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeInvalidJob ||
		!strings.Contains(r.Error.Message, `"medium"`) || !strings.Contains(r.Error.Message, "small, large") {
		t.Fatalf("unknown model: want invalid_job naming small, large:\n%s", mustJSON(r))
	}
	if s := mustJSON(r); strings.Contains(s, filepath.Dir(small)) || strings.Contains(s, filepath.Dir(large)) || strings.Contains(s, ".bin") {
		t.Fatalf("the result shows a model path:\n%s", s)
	}

	code, page := get(w.Handler(), "/health")
	if code != http.StatusOK || strings.Contains(page, ".bin") || strings.Contains(page, filepath.Dir(small)) {
		t.Fatalf("/health %d shows a path or failed:\n%s", code, page)
	}
	var h worker.Health
	if err := json.Unmarshal([]byte(page), &h); err != nil {
		t.Fatal(err)
	}
	if h.Model != "small" || len(h.Models) != 2 || h.Models[0].Name != "small" || !h.Models[0].Default || h.Models[1].Name != "large" || h.Models[1].Default ||
		h.Models[0].NAudioState != 64 || h.Models[0].NMels != 80 || h.Models[1].NAudioState != 128 || h.Models[1].NMels != 128 {
		t.Fatalf("/health models:\n%s", page)
	}
	_, metrics := get(w.Handler(), "/metrics")
	for _, name := range []string{"small", "large"} {
		if v := metricValue(metrics, `xdna_model_load_seconds{model="`+name+`"}`); v <= 0 {
			t.Errorf("xdna_model_load_seconds for %s: %v", name, v)
		}
		if v := metricValue(metrics, `xdna_model_rss_bytes{model="`+name+`"}`); v <= 0 {
			t.Errorf("xdna_model_rss_bytes for %s: %v", name, v)
		}
	}
	if code, body := get(w.Handler(), "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz %d: %s", code, body)
	}
	assertNoLeaks(t, e, w)
}
