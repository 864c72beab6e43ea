package gateway

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8000" || cfg.AudioBucket != "audio" || cfg.MaxUploadBytes != 25<<20 || len(cfg.Models) != 1 || cfg.Models[0] != "whisper-1" ||
		cfg.APIKeys.Len() != 0 || cfg.MaxConcurrentPerKey != 4 || cfg.MaxConcurrent != 64 || cfg.RequestTimeout != 10*time.Minute || cfg.Priority != job.PriorityHigh || cfg.NATS.URL != "nats://127.0.0.1:4222" {
		t.Fatalf("%+v", cfg)
	}
}

// Every problem at once, each wrapping ErrConfig; a keys file's content is
// never quoted.
func TestLoadConfigReportsAll(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(keys, []byte("sk-one tenant\nsk-secret-value bad/tenant\n"), 0o600)
	_, err := LoadConfig(map[string]string{
		"GATEWAY_MAX_UPLOAD_BYTES": "0", "GATEWAY_MODELS": "ok, bad model", "GATEWAY_MAX_CONCURRENT_PER_KEY": "0",
		"GATEWAY_REQUEST_TIMEOUT": "-1s", "GATEWAY_API_KEYS_FILE": keys, "MAX_DELIVER": "-5",
		"GATEWAY_PRIORITY": "urgent",
	})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("%v", err)
	}
	msg := err.Error()
	for _, want := range []string{"GATEWAY_MAX_UPLOAD_BYTES", "GATEWAY_MODELS", "GATEWAY_MAX_CONCURRENT_PER_KEY", "GATEWAY_REQUEST_TIMEOUT", "GATEWAY_PRIORITY", "line 2", "MaxDeliver"} {
		if !strings.Contains(msg, want) {
			t.Errorf("no %s in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "sk-secret-value") || strings.Contains(msg, "sk-one") {
		t.Fatalf("a key in the error:\n%s", msg)
	}
	if s := fmt.Sprint(mustKeys(t, "sk-x t\n")); strings.Contains(s, "sk-x") {
		t.Fatalf("keys print as %s", s)
	}
}

func mustKeys(t *testing.T, content string) APIKeys {
	t.Helper()
	k, err := ParseAPIKeys([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The gateway's jobs carry GATEWAY_PRIORITY.
func TestNewJobPriority(t *testing.T) {
	for _, p := range []string{"high", "low"} {
		cfg, err := LoadConfig(map[string]string{"GATEWAY_PRIORITY": p})
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{cfg: cfg}
		if j := s.newJob(t.Context(), "id", "key", &request{model: cfg.Models[0]}); j.Priority != job.Priority(p) {
			t.Fatalf("GATEWAY_PRIORITY=%s: job priority %q", p, j.Priority)
		}
	}
}
