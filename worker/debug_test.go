package worker_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/worker"
)

// DEBUG_ADDR is off by default and, when set, must be a usable listen
// address other than HTTP_ADDR; every problem is reported at start.
func TestDebugAddrConfig(t *testing.T) {
	cfg, err := worker.LoadConfig(map[string]string{"NATS_URL": "nats://127.0.0.1:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DebugAddr != "" {
		t.Fatalf("DEBUG_ADDR defaults to %q, want empty (off)", cfg.DebugAddr)
	}
	cfg, err = worker.LoadConfig(map[string]string{"NATS_URL": "nats://127.0.0.1:4222", "DEBUG_ADDR": "127.0.0.1:6060"})
	if err != nil || cfg.DebugAddr != "127.0.0.1:6060" {
		t.Fatalf("DEBUG_ADDR=127.0.0.1:6060: %q, %v", cfg.DebugAddr, err)
	}
	for _, bad := range []string{"6060", "localhost", "127.0.0.1:http", "127.0.0.1:70000", ":8080"} {
		_, err := worker.LoadConfig(map[string]string{"NATS_URL": "nats://127.0.0.1:4222", "DEBUG_ADDR": bad})
		if err == nil || !strings.Contains(err.Error(), "DEBUG_ADDR") {
			t.Errorf("DEBUG_ADDR=%q: %v, want an error naming DEBUG_ADDR", bad, err)
		}
	}
}

// The debug handler serves the pprof index and profiles; the worker's main
// handler does not.
func TestDebugHandlerServesPprof(t *testing.T) {
	srv := httptest.NewServer(worker.DebugHandler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/goroutine?debug=1": "goroutine profile",
		"/debug/pprof/cmdline":           "worker.test",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %s, body without %q:\n%.300s", path, resp.Status, want, body)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the debug handler: %s, want 404", resp.Status)
	}
}
