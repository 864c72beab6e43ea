package miniotest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	ctx := t.Context()
	if err := c.EnsureBucket(ctx, "audio"); err != nil {
		t.Fatalf("EnsureBucket: %v", err)
	}
	if err := c.Put(ctx, "audio", "a.wav", strings.NewReader("hello"), 5, "audio/wav"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if !strings.HasPrefix(s.Endpoint(), "127.0.0.1:") || s.URL() != "http://"+s.Endpoint() {
		t.Errorf("Endpoint %q, URL %q", s.Endpoint(), s.URL())
	}

	pid := s.pid()
	addr := s.Endpoint()
	s.Stop()
	if alive(pid) {
		t.Fatalf("process %d still exists after Stop", pid)
	}
	if _, err := http.Get(s.URL() + "/minio/health/live"); err == nil {
		t.Fatal("server still answers after Stop")
	}
	s.Stop() // no-op

	s.Restart(t)
	if s.Endpoint() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Endpoint())
	}
	var got bytes.Buffer
	if _, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "a.wav"}, 100, &got); err != nil || got.String() != "hello" {
		t.Fatalf("Fetch after Restart = %q, %v; want the object put before", got.String(), err)
	}

	// Restart of a running server stops the old process first.
	old := s.pid()
	s.Restart(t)
	if alive(old) || s.pid() == old {
		t.Fatalf("Restart of a running server left process %d behind", old)
	}
}

// Cleanup stops the server even if the test never calls Stop.
func TestCleanupStopsServer(t *testing.T) {
	var pid int
	t.Run("inner", func(t *testing.T) {
		pid = Start(t).pid()
	})
	if pid != 0 && alive(pid) {
		t.Fatalf("process %d still exists after the test ended", pid)
	}
}

func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Endpoint() == b.Endpoint() {
		t.Fatalf("both servers on %s", a.Endpoint())
	}
	if err := a.Client(t).Ping(t.Context()); err != nil {
		t.Error(err)
	}
	if err := b.Client(t).Ping(t.Context()); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(a.LogPath()); err != nil {
		t.Errorf("no log file: %v", err)
	}
}

func TestFindBinaryMinioBin(t *testing.T) {
	t.Setenv("MINIO_BIN", filepath.Join(t.TempDir(), "nope"))
	if _, err := FindBinary(); !errors.Is(err, ErrNoBinary) {
		t.Fatalf("FindBinary with a bad MINIO_BIN: %v; want ErrNoBinary", err)
	}

	bin := filepath.Join(t.TempDir(), "minio")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MINIO_BIN", bin)
	if got, err := FindBinary(); err != nil || got != bin {
		t.Fatalf("FindBinary = %q, %v; want %q", got, err, bin)
	}
}

// recorder is a testing.TB that records instead of stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestNoBinary(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("MINIO_BIN", "")
	t.Setenv("PATH", empty) // no minio, and no go command either
	t.Setenv("GOPATH", empty)
	if root := moduleRoot(); root != "" {
		if _, err := os.Stat(filepath.Join(root, "bin", "minio")); err == nil {
			t.Skip("a minio binary exists in <module root>/bin")
		}
	}

	t.Setenv("CI", "")
	r := &recorder{TB: t}
	if s := Start(r); s != nil || r.skipped == "" || r.failed != "" {
		t.Fatalf("without CI: server %v, skipped %q, failed %q; want a skip", s, r.skipped, r.failed)
	}
	if !strings.Contains(r.skipped, "make tools") {
		t.Errorf("skip message %q does not say to run make tools", r.skipped)
	}

	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	if s := Start(r); s != nil || r.failed == "" || r.skipped != "" {
		t.Fatalf("in CI: server %v, skipped %q, failed %q; want a failure", s, r.skipped, r.failed)
	}
	if !strings.Contains(r.failed, "make tools") {
		t.Errorf("failure message %q does not say to run make tools", r.failed)
	}
}

// pid returns the process id of the running server, or 0.
func (s *Server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// alive reports whether a process with this id exists (reaped processes do
// not; zombies would).
func alive(pid int) bool {
	return pid != 0 && syscall.Kill(pid, 0) == nil
}

func TestFindBinaryGOPATH(t *testing.T) {
	gopath := t.TempDir()
	bin := filepath.Join(gopath, "bin", "minio")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MINIO_BIN", "")
	t.Setenv("PATH", t.TempDir()) // no minio; no go command, so $GOPATH is used
	t.Setenv("GOPATH", gopath)
	if got, err := FindBinary(); err != nil || got != bin {
		t.Fatalf("FindBinary = %q, %v; want %q", got, err, bin)
	}
}
