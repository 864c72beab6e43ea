package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// ctl runs xdnactl in-process and returns its exit status and output.
func ctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// Flags may follow the arguments (the flag package stopped at the first
// argument, so `transcribe a.wav --model m.bin` ignored --model).
func TestFlagsAfterArguments(t *testing.T) {
	wav, model := speechlike(t, "a.wav", 2), writeModel(t)
	code, stdout, stderr := ctl(t, "transcribe", wav, "--model", model, "--max-tokens", "4", "--no-fallback")
	if code != 0 {
		t.Fatalf("transcribe FILE --model M: exit %d\n%s%s", code, stdout, stderr)
	}
	var r job.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.Status != job.StatusSucceeded || r.Device != "cpu" || r.DurationS != 2 {
		t.Fatalf("result %+v (%v)", r, err)
	}

	out := filepath.Join(t.TempDir(), "a.f32")
	if code, stdout, stderr := ctl(t, "decode", wav, "--out", out); code != 0 {
		t.Fatalf("decode FILE --out F: exit %d\n%s%s", code, stdout, stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() != 4*2*16000 {
		t.Fatalf("--out after the file: %v %v", fi, err)
	}
	// Flags on both sides of the argument, and the spellings the flag
	// package accepted: -flag and --flag=value.
	for _, args := range [][]string{
		{"decode", "-repeat", "2", wav, "-out=" + out},
		{"decode", "--repeat=2", wav},
	} {
		if code, stdout, stderr := ctl(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
}

// Every command has generated help; help goes to stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"submit", "watch", "cancel", "loadtest", "dlq", "upload", "bucket", "transcribe", "decode", "logits", "--version", "NATS_URL"}},
		{[]string{"help"}, []string{"submit", "transcribe"}},
		{[]string{"help", "transcribe"}, []string{"--model", "WHISPER_MODEL", "--prompt", "--max-tokens", "--no-fallback", "--max-duration"}},
		{[]string{"transcribe", "--help"}, []string{"--model", "--language", "--task"}},
		{[]string{"submit", "-h"}, []string{"--wait", "--timeout", "--nats-url", "--s3-endpoint", "--s3-access-key", "--s3-secret-key", "--bucket"}},
		{[]string{"dlq", "replay", "--help"}, []string{"--all", "--nats-url"}},
		{[]string{"bucket", "--help"}, []string{"create", "notify"}},
		{[]string{"cancel", "--help"}, []string{"<job-id>", "--nats-url"}},
	} {
		code, stdout, stderr := ctl(t, tc.args...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s", tc.args, code, stderr)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: help does not mention %s:\n%s", tc.args, w, stdout)
			}
		}
	}
}

// --version prints the version set at link time, the revision and the Go
// version; without -ldflags it falls back to the module's build information.
func TestVersion(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "xdnactl")
	const pkg = "github.com/xdna-worker/xdna-worker/buildinfo"
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X "+pkg+".version=v9.8.7-test -X "+pkg+".revision=0123abcd", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if want := "xdnactl v9.8.7-test (revision 0123abcd, " + runtime.Version() + ")\n"; string(out) != want {
		t.Fatalf("--version printed %q, want %q", out, want)
	}

	code, stdout, _ := ctl(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "xdnactl ") || !strings.Contains(stdout, runtime.Version()) {
		t.Fatalf("in-process --version: exit %d, %q", code, stdout)
	}
}
