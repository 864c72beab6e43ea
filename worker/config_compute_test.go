package worker_test

import (
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/worker"
)

// ENCODER_COMPUTE: f32 (default) always, bf16 exactly where the CPU has
// AVX512_BF16, anything else refused with the variable named.
func TestConfigEncoderCompute(t *testing.T) {
	cfg, err := worker.LoadConfig(map[string]string{})
	if err != nil || cfg.EncoderCompute != "f32" {
		t.Fatalf("default: %q, %v", cfg.EncoderCompute, err)
	}
	_, err = worker.LoadConfig(map[string]string{"ENCODER_COMPUTE": "fp8"})
	if err == nil || !strings.Contains(err.Error(), "ENCODER_COMPUTE") {
		t.Fatalf("fp8: %v", err)
	}
	_, err = worker.LoadConfig(map[string]string{"ENCODER_COMPUTE": "bf16"})
	if kernel.BF16.Supported() != (err == nil) {
		t.Fatalf("bf16 (supported: %v): %v", kernel.BF16.Supported(), err)
	}
	if err != nil && !strings.Contains(err.Error(), "AVX512_BF16") {
		t.Fatalf("bf16 refused without saying why: %v", err)
	}
}
