package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/otlptest"
)

// With an OTLP endpoint set, the worker exports its spans; those still
// batched at SIGTERM are flushed before it exits (the batch delay here is
// far longer than the test).
func TestTracingFlushedAtExit(t *testing.T) {
	c := otlptest.Start(t)
	s := newStack(t)
	ref := s.upload("traced.wav", toneWAV(1))
	p := s.start(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.URL, "OTEL_BSP_SCHEDULE_DELAY": "600000"})
	s.submit("traced", 1, ref)
	s.results(1, time.Minute)
	if err := p.terminate(30 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	names := map[string]bool{}
	for _, sp := range c.Spans() {
		if sp.Attributes["job.id"] == "traced-0" {
			names[sp.Name] = true
		}
	}
	for _, want := range []string{"job", "fetch", "decode", "mel", "encode", "publish"} {
		if !names[want] {
			t.Errorf("collector has no %s span for the job (has %v)", want, names)
		}
	}
}

// An OTEL_* setting the worker cannot honour is a bad configuration: exit 2.
func TestTracingBadConfigExits2(t *testing.T) {
	cmd := exec.Command(binary)
	cmd.Env = []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1", "OTEL_TRACES_EXPORTER=zipkin", "PATH=" + os.Getenv("PATH"), "LOG_FORMAT=text"}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !bytes.Contains(out, []byte("OTEL_TRACES_EXPORTER")) {
		t.Fatalf("exit %v, want 2 naming OTEL_TRACES_EXPORTER\n%s", err, out)
	}
}
