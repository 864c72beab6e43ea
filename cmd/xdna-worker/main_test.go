package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/logbuf"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
)

// binary is the xdna-worker built once for the process-level tests, with
// the version and revision set at link time as a release build sets them.
var binary string

const (
	testVersion  = "v9.8.7-test"
	testRevision = "0123abcd"
	buildinfoPkg = "github.com/xdna-worker/xdna-worker/buildinfo"
	testLDFlags  = "-X " + buildinfoPkg + ".version=" + testVersion + " -X " + buildinfoPkg + ".revision=" + testRevision
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xdna-worker-bin-*")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "xdna-worker")
	out, err := exec.Command("go", "build", "-o", binary, "-ldflags", testLDFlags, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build xdna-worker: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one xdna-worker process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  *logbuf.Buffer
	http string
	done chan error
}

type stack struct {
	t     *testing.T
	nats  *natstest.Server
	minio *miniotest.Server
	js    jetstream.JetStream
	qc    queue.Config
	pub   *queue.Publisher
}

func newStack(t *testing.T) *stack {
	s := &stack{t: t, nats: natstest.Start(t), minio: miniotest.Start(t)}
	s.js = s.nats.JetStream(t)
	s.qc = queue.Config{URL: s.nats.URL()}.WithDefaults()
	if err := queue.Provision(context.Background(), s.js, s.qc); err != nil {
		t.Fatal(err)
	}
	s.pub = queue.NewPublisher(s.js, s.qc)
	return s
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a worker process against the stack with extra env.
func (s *stack) start(over map[string]string) *proc {
	s.t.Helper()
	sc := s.minio.Config()
	env := map[string]string{
		"NATS_URL": s.nats.URL(), "S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
		"XDNA_DEVICE": "sim", "HTTP_ADDR": freePort(s.t), "LOG_FORMAT": "json", "LOG_LEVEL": "info",
		"ACK_WAIT": "60s", "RETRY_BACKOFF": "200ms", "XDNA_TEMP_DIR": s.t.TempDir(), "PATH": os.Getenv("PATH"),
	}
	for k, v := range over {
		env[k] = v
	}
	p := &proc{t: s.t, log: &logbuf.Buffer{}, http: env["HTTP_ADDR"], done: make(chan error, 1)}
	p.cmd = exec.Command(binary)
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	s.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if s.t.Failed() {
			s.t.Logf("worker log:\n%s", lastLines(p.log.String(), 40))
		}
	})
	// Wait for readiness.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("worker not ready: %v\n%s", err, p.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rssBytes reads the process's resident set size from /proc.
func (p *proc) rssBytes() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func (p *proc) health() map[string]any {
	resp, err := http.Get("http://" + p.http + "/health")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var h map[string]any
	json.NewDecoder(resp.Body).Decode(&h)
	return h
}

// terminate sends SIGTERM and returns the exit error after the process ends.
func (p *proc) terminate(timeout time.Duration) error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err
	case <-time.After(timeout):
		return errors.New("did not exit after SIGTERM")
	}
}

func (s *stack) upload(key string, data []byte) job.ObjectRef {
	c := s.minio.Client(s.t)
	if err := c.EnsureBucket(context.Background(), "audio"); err != nil {
		s.t.Fatal(err)
	}
	if err := c.Put(context.Background(), "audio", key, bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
		s.t.Fatal(err)
	}
	return job.ObjectRef{Bucket: "audio", Key: key}
}

func (s *stack) submit(prefix string, n int, ref job.ObjectRef) {
	for i := range n {
		if err := s.pub.Submit(context.Background(), &job.Job{ID: fmt.Sprintf("%s-%d", prefix, i), Audio: ref}); err != nil {
			s.t.Fatal(err)
		}
	}
}

// consumer is the state of the normal lane's consumer, where the jobs the
// tests submit wait once routed.
func (s *stack) consumer() *jetstream.ConsumerInfo {
	c, err := s.js.Consumer(context.Background(), s.qc.JobsStream, s.qc.LaneConsumer(job.PriorityNormal))
	if err != nil {
		s.t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return info
}

// results collects results until n distinct jobs have one, or timeout.
func (s *stack) results(n int, timeout time.Duration) map[string]int {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got := map[string]int{}
	errDone := errors.New("done")
	err := queue.Watch(ctx, s.js, s.qc, func(r *job.Result, _ jetstream.Msg) error {
		if r.Status != job.StatusSucceeded {
			s.t.Errorf("%s: %s %+v", r.JobID, r.Status, r.Error)
		}
		got[r.JobID]++
		if len(got) == n {
			return errDone
		}
		return nil
	}, queue.WatchFromStart())
	if !errors.Is(err, errDone) {
		s.t.Fatalf("%d of %d results after %v: %v", len(got), n, timeout, err)
	}
	return got
}

func toneWAV(seconds float64) []byte {
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(seconds, 440), pipeline.SampleRate)
	return b.Bytes()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// With a slowed-down device and a backlog of 2,000 jobs, the worker's RSS
// stays within its pool bytes + 100 MB and it never holds more unacked
// messages than it has buffer sets.
func TestBackpressureBoundsMemoryAndUnacked(t *testing.T) {
	s := newStack(t)
	ref := s.upload("tone-10s.wav", toneWAV(10))
	s.submit("backlog", 2000, ref)
	p := s.start(map[string]string{"XDNA_SIM_WINDOW_MS": "250", "XDNA_SIM_CONTEXTS": "1", "AUDIO_BUFFER_POOL_SIZE": "4", "MEL_BUFFER_POOL_SIZE": "4", "ENCODER_BUFFER_POOL_SIZE": "4"})
	h := p.health()
	poolBytes := int64(h["pool_bytes"].(float64))
	sets := int(h["buffer_sets"].(float64))

	var peakRSS int64
	peakUnacked := 0
	end := time.Now().Add(15 * time.Second)
	for time.Now().Before(end) {
		peakRSS = max(peakRSS, p.rssBytes())
		ci := s.consumer()
		peakUnacked = max(peakUnacked, ci.NumAckPending)
		if ci.NumAckPending > sets {
			t.Fatalf("worker holds %d unacked messages with %d buffer sets", ci.NumAckPending, sets)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ci := s.consumer()
	done := 2000 - int(ci.NumPending) - ci.NumAckPending
	if done == 0 || ci.NumPending == 0 {
		t.Fatalf("the backlog is not being worked through: %+v", ci)
	}
	if limit := poolBytes + 100<<20; peakRSS > limit {
		t.Fatalf("peak RSS %d MB > pool bytes %d MB + 100 MB", peakRSS>>20, poolBytes>>20)
	}
	if bp := p.health(); bp == nil {
		t.Fatal("no health")
	}
	if err := p.terminate(30 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	waitUntil(t, 15*time.Second, func() bool { return s.consumer().NumAckPending == 0 })
	t.Logf("backlog 2000: peak RSS %d MB (pool bytes %d MB), peak unacked %d of %d buffer sets, %d jobs done in 15 s",
		peakRSS>>20, poolBytes>>20, peakUnacked, sets, done)
}

// SIGTERM during load: in-flight jobs finish (or are handed back when the
// shutdown timeout passes); after a restart every job has exactly one result.
func TestSIGTERMDrainsThenRestartCompletes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		handback bool
	}{
		{"finish", map[string]string{"XDNA_SIM_WINDOW_MS": "200", "XDNA_SIM_CONTEXTS": "2", "SHUTDOWN_TIMEOUT": "20s"}, false},
		{"hand-back", map[string]string{"XDNA_SIM_WINDOW_MS": "3000", "XDNA_SIM_CONTEXTS": "4", "SHUTDOWN_TIMEOUT": "1s"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t)
			ref := s.upload("tone-5s.wav", toneWAV(5))
			const n = 40
			s.submit("term", n, ref)
			p := s.start(tc.env)
			waitUntil(t, 30*time.Second, func() bool { return s.consumer().NumAckPending > 0 })
			if !tc.handback {
				s.results(5, time.Minute)
			}
			if err := p.terminate(30 * time.Second); err != nil {
				t.Fatalf("SIGTERM: %v\n%s", err, p.log.String())
			}
			if tc.handback && !strings.Contains(p.log.String(), "handing back") {
				t.Fatalf("no job was handed back:\n%s", lastLines(p.log.String(), 20))
			}
			if !tc.handback {
				// The pull request out when pulling stopped may have taken one
				// more job and handed it back (a Nak): the server counts it as
				// pending until another worker takes it, which the results
				// below show happens at once, not after ACK_WAIT.
				if ci := s.consumer(); ci.NumAckPending > 1 {
					t.Fatalf("%d messages still held after a clean drain", ci.NumAckPending)
				}
			}
			env := map[string]string{"XDNA_SIM_WINDOW_MS": "20", "XDNA_SIM_CONTEXTS": "4"}
			s.start(env)
			// ACK_WAIT is 60s: results well before it prove the hand-back
			// (a Nak), not the ack timeout, returned the messages.
			got := s.results(n, 30*time.Second)
			for id, c := range got {
				if c != 1 {
					t.Errorf("%s: %d results", id, c)
				}
			}
			st, _ := s.js.Stream(context.Background(), s.qc.ResultsStream)
			info, _ := st.Info(context.Background())
			if info.State.Msgs != n {
				t.Fatalf("RESULTS holds %d messages for %d jobs", info.State.Msgs, n)
			}
		})
	}
}

// A bad configuration exits 2 and names every problem.
func TestBadConfigExits2(t *testing.T) {
	cmd := exec.Command(binary)
	cmd.Env = []string{"XDNA_DEVICE=gpu", "ACK_WAIT=1ms", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2\n%s", err, out)
	}
	for _, want := range []string{"XDNA_DEVICE", "ACK_WAIT"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output does not name %s:\n%s", want, out)
		}
	}
}

// The demo runs everything in-process and prints a result per file.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "two.wav")
	os.WriteFile(f, toneWAV(2), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "demo", f)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HTTP_ADDR=127.0.0.1:0", "HOME=" + dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	var r job.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("demo output is not a result: %v\n%s", err, stdout.String())
	}
	if r.Status != job.StatusSucceeded || r.Device != "sim" || r.DurationS < 1.99 {
		t.Fatalf("demo result %+v", r)
	}
	if !strings.Contains(stderr.String(), "sim device") {
		t.Fatalf("no notice about the sim device:\n%s", stderr.String())
	}
}

func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A model file that is not a Whisper model stops the worker at start-up
// with exit status 2 and a message naming the file.
func TestBadModelExits2(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ggml-broken.bin")
	os.WriteFile(bad, []byte("GGUF\x03\x00\x00\x00rest"), 0o644)
	cmd := exec.Command(binary)
	cmd.Env = []string{"WHISPER_MODEL=" + bad, "XDNA_DEVICE=cpu", "PATH=" + os.Getenv("PATH"), "LOG_FORMAT=text"}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !bytes.Contains(out, []byte("ggml-broken.bin")) || !bytes.Contains(out, []byte("GGUF")) {
		t.Fatalf("exit %v, want 2 naming the file\n%s", err, out)
	}
}
