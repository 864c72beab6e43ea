package worker_test

import (
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// A worker with a model logs how long loading took and the RSS right after
// ("model loaded" with load_ms and rss_bytes) and exports both as gauges
// (issue 10, item 6).
func TestModelLoadReported(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_DEVICE": "cpu", "WHISPER_MODEL": randomModelFile(t)})
	var line string
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, `msg="model loaded"`) {
			line = l
		}
	}
	if !strings.Contains(line, " load_ms=") || !strings.Contains(line, " rss_bytes=") || strings.Contains(line, " rss_bytes=0 ") {
		t.Errorf("model loaded line %q lacks load_ms or a non-zero rss_bytes", line)
	}
	_, page := get(w.Handler(), "/metrics")
	if v := metricValue(page, `xdna_model_load_seconds{model="random-64x1"}`); v <= 0 || v > 60 {
		t.Errorf("xdna_model_load_seconds %v", v)
	}
	if v := metricValue(page, `xdna_model_rss_bytes{model="random-64x1"}`); v < 1<<20 {
		t.Errorf("xdna_model_rss_bytes %v, want at least 1 MiB", v)
	}
}

// ENCODER_COMPUTE reaches the worker's encoder: the encoder it built says
// which arithmetic it runs (bf16 where the CPU has AVX512_BF16, f32 always).
func TestEncoderComputeReachesEncoder(t *testing.T) {
	modes := []string{"f32"}
	if kernel.BF16.Supported() {
		modes = append(modes, "bf16")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			e.startWorker(map[string]string{"XDNA_DEVICE": "cpu", "WHISPER_MODEL": randomModelFile(t), "ENCODER_COMPUTE": mode})
			var line string
			for _, l := range strings.Split(e.logs.String(), "\n") {
				if strings.Contains(l, `msg="cpu encoder"`) {
					line = l
				}
			}
			if !strings.Contains(line, " compute="+mode+" ") {
				t.Errorf("ENCODER_COMPUTE=%s: cpu encoder line %q", mode, line)
			}
		})
	}
}
