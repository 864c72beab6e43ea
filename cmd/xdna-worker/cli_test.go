package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/worker"
)

// --version prints the version and revision set at link time and the Go
// version; help is generated for every command.
func TestVersionAndHelp(t *testing.T) {
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if want := fmt.Sprintf("xdna-worker %s (revision %s, %s)\n", testVersion, testRevision, runtime.Version()); err != nil || string(out) != want {
		t.Fatalf("--version: %v, printed %q, want %q", err, out, want)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"serve", "healthcheck", "demo", "--version"}},
		{[]string{"help"}, []string{"serve", "healthcheck", "demo"}},
		{[]string{"demo", "--help"}, []string{"file"}},
	} {
		out, err := exec.Command(binary, tc.args...).CombinedOutput()
		if err != nil {
			t.Errorf("%v: %v\n%s", tc.args, err, out)
			continue
		}
		for _, w := range tc.want {
			if !bytes.Contains(out, []byte(w)) {
				t.Errorf("%v: help does not mention %s:\n%s", tc.args, w, out)
			}
		}
	}
	cmd := exec.Command(binary, "frobnicate")
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !bytes.Contains(out, []byte("frobnicate")) {
		t.Fatalf("unknown command: %v\n%s", err, out)
	}
}

// XDNA_DEVICE=xrt is refused by the configuration check, with every other
// problem, saying that no hardware driver exists: exit 2 before anything
// is opened.
func TestXRTDeviceRejectedByConfig(t *testing.T) {
	_, err := worker.LoadConfig(map[string]string{"XDNA_DEVICE": "xrt", "WORKER_ID": "w"})
	if err == nil || !strings.Contains(err.Error(), "XDNA_DEVICE") || !strings.Contains(err.Error(), "no hardware driver") {
		t.Errorf("LoadConfig(XDNA_DEVICE=xrt) = %v, want an error saying there is no hardware driver", err)
	}
	for _, dev := range []string{"auto", "cpu", "sim"} {
		if _, err := worker.LoadConfig(map[string]string{"XDNA_DEVICE": dev, "WORKER_ID": "w"}); err != nil {
			t.Errorf("XDNA_DEVICE=%s: %v", dev, err)
		}
	}

	cmd := exec.Command(binary)
	cmd.Env = []string{"XDNA_DEVICE=xrt", "ACK_WAIT=1ms", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2\n%s", err, out)
	}
	for _, want := range []string{"invalid configuration", "XDNA_DEVICE", "no hardware driver", "ACK_WAIT"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// The worker's metrics: xdna_build_info names the build; the pool buffer
// states sum to each pool's buffers; the hit ratio is a ratio by name; and
// a succeeded job carries code="ok" (never an empty code label) while a
// failed one is counted by its code.
func TestMetricsNamesAndLabels(t *testing.T) {
	s := newStack(t)
	ref := s.upload("tone-1s.wav", toneWAV(1))
	p := s.start(map[string]string{"XDNA_SIM_WINDOW_MS": "5"})
	if err := s.pub.Submit(context.Background(), &job.Job{ID: "metrics-ok", Audio: ref}); err != nil {
		t.Fatal(err)
	}
	if err := s.pub.Submit(context.Background(), &job.Job{ID: "metrics-missing", Audio: job.ObjectRef{Bucket: "audio", Key: "no/such.wav"}}); err != nil {
		t.Fatal(err)
	}
	var series map[string]float64
	waitUntil(t, 30*time.Second, func() bool {
		series = scrape(t, p)
		var n float64
		for _, v := range matching(series, "xdna_jobs_total{") {
			n += v
		}
		return n == 2
	})
	jobs := matching(series, "xdna_jobs_total{")
	if jobs[`xdna_jobs_total{code="ok",status="succeeded"}`] != 1 || jobs[`xdna_jobs_total{code="audio_not_found",status="failed"}`] != 1 {
		t.Errorf("xdna_jobs_total: %v, want {code=\"ok\",status=\"succeeded\"} 1 and {code=\"audio_not_found\",status=\"failed\"} 1", jobs)
	}
	for name := range series {
		if strings.Contains(name, `code=""`) {
			t.Errorf("series with an empty code label: %s", name)
		}
		if strings.HasPrefix(name, "xdna_pool_hit_rate") {
			t.Errorf("old name still exported: %s", name)
		}
	}
	bi := fmt.Sprintf(`xdna_build_info{go_version=%q,revision=%q,version=%q}`, runtime.Version(), testRevision, testVersion)
	if series[bi] != 1 {
		t.Errorf("%s not 1; build info series: %v", bi, matching(series, "xdna_build_info"))
	}
	h := p.health()
	for _, pool := range []string{"audio", "mel", "encoder_output"} {
		total := h["buffer_pools"].(map[string]any)[pool].(map[string]any)["total_buffers"].(float64)
		var sum float64
		states := matching(series, fmt.Sprintf(`xdna_pool_buffers{pool=%q,`, pool))
		for _, v := range states {
			sum += v
		}
		if sum != total || len(states) != 2 {
			t.Errorf("pool %s: xdna_pool_buffers states %v sum to %v, the pool has %v buffers", pool, states, sum, total)
		}
		if size := series[fmt.Sprintf(`xdna_pool_size{pool=%q}`, pool)]; size != total {
			t.Errorf("pool %s: xdna_pool_size %v, the pool has %v buffers", pool, size, total)
		}
		if _, ok := series[fmt.Sprintf(`xdna_pool_hit_ratio{pool=%q}`, pool)]; !ok {
			t.Errorf("no xdna_pool_hit_ratio for pool %s", pool)
		}
	}
}

// scrape reads the worker's /metrics as series → value.
func scrape(t *testing.T, p *proc) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// matching returns the series whose name starts with prefix.
func matching(series map[string]float64, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range series {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}
