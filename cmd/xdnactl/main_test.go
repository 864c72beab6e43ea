package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/internal/logbuf"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/loadtest"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// fleet starts NATS, MinIO and one sim worker, and points xdnactl at them
// through the environment, as a user would. It returns the NATS server.
func fleet(t *testing.T, window string) *natstest.Server {
	t.Helper()
	ns, mn := natstest.Start(t), miniotest.Start(t)
	sc := mn.Config()
	env := map[string]string{
		"NATS_URL": ns.URL(), "S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	env["XDNA_DEVICE"], env["XDNA_SIM_WINDOW_MS"], env["XDNA_SIM_CONTEXTS"], env["WORKER_ID"] = "sim", window, "2", "ctl-test"
	env["XDNA_TEMP_DIR"] = t.TempDir()
	runWorker(t, env)
	return ns
}

// runWorker opens a worker configured by env and runs it until the test
// ends.
func runWorker(t *testing.T, env map[string]string) {
	t.Helper()
	cfg, err := worker.LoadConfig(env)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; w.Close() })
}

func writeWAV(t *testing.T, name string, seconds float64) string {
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(seconds, 440), pipeline.SampleRate)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubmitWait(t *testing.T) {
	fleet(t, "5")
	a, b := writeWAV(t, "first call.wav", 2), writeWAV(t, "second.wav", 3)
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code := run(ctx, []string{"submit", "--wait", a, b}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 result lines, got %q", out.String())
	}
	for _, l := range lines {
		var r job.Result
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Status != job.StatusSucceeded || !strings.HasPrefix(r.JobID, "first-call-") && !strings.HasPrefix(r.JobID, "second-") {
			t.Fatalf("line %q: %v", l, err)
		}
	}
}

// submit --model puts the name on the job: a worker without that model
// fails it invalid_job, naming the models it has.
func TestSubmitModel(t *testing.T) {
	fleet(t, "5")
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code := run(ctx, []string{"submit", "--wait", "--model", "nosuch", writeWAV(t, "a.wav", 1)}, &out, &errOut); code == 0 {
		t.Fatalf("exit 0 for a model no worker has: %s", out.String())
	}
	var r job.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Error == nil || r.Error.Code != job.CodeInvalidJob || !strings.Contains(r.Error.Message, "nosuch") {
		t.Fatalf("result %s (%v), want invalid_job naming the model", out.String(), err)
	}
}

// submit --wait and watch show a job's progress on stderr (a line per
// event off a terminal) while it runs: 100 s of audio in 4 windows of 1.2 s.
func TestProgressBars(t *testing.T) {
	fleet(t, "1200")
	file := writeWAV(t, "long call.wav", 100)
	wctx, wcancel := context.WithCancel(context.Background())
	defer wcancel()
	// Written by the NATS connection's goroutine, which may still be
	// finishing a callback when watch returns.
	var wout, werr logbuf.Buffer
	watched := make(chan int, 1)
	go func() { watched <- run(wctx, []string{"watch"}, &wout, &werr) }()

	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code := run(ctx, []string{"submit", "--wait", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	bar := regexp.MustCompile(`(?m)/long call\.wav \[#*-*\] +\d+% transcribe window [1-4]/4 \d+\.\d/100\.0 s$`)
	if !bar.MatchString(errOut.String()) {
		t.Fatalf("submit --wait shows no progress bar of a window done:\n%s", errOut.String())
	}
	if !strings.Contains(errOut.String(), "long call.wav: done in") {
		t.Fatalf("submit --wait: no done line:\n%s", errOut.String())
	}
	wcancel()
	if code := <-watched; code != 0 {
		t.Fatalf("watch exit %d: %s", code, werr.String())
	}
	if !regexp.MustCompile(`(?m)^long-call-[0-9a-f]+ \[#*-*\] +\d+% transcribe window [1-4]/4`).MatchString(werr.String()) {
		t.Fatalf("watch shows no progress bar:\n%s", werr.String())
	}
}

// submit --wait follows its own jobs' progress only: a subscription on each
// job's subject, or, for more files than maxProgressSubs, one on every
// job's, filtered. The server's subscription list tells which it made.
func TestSubmitWaitSubscribesPerJob(t *testing.T) {
	ns := fleet(t, "1000")
	files := []string{writeWAV(t, "one.wav", 60), writeWAV(t, "two.wav", 60)}
	// progressSubs lists the progress subscriptions on the server while a
	// submit --wait of files runs (and is waiting for its results).
	progressSubs := func(t *testing.T) []string {
		var out, errOut logbuf.Buffer // read while submit writes
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		done := make(chan int, 1)
		go func() { done <- run(ctx, append([]string{"submit", "--wait"}, files...), &out, &errOut) }()
		// Both jobs queued: every subscription submit makes is made, and the
		// server has it (a SUB precedes, on the same connection, the
		// publish whose acknowledgement printed "queued as").
		for deadline := time.Now().Add(30 * time.Second); strings.Count(errOut.String(), "queued as") < len(files); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("submit --wait did not queue its jobs:\n%s", errOut.String())
			}
		}
		sz, err := ns.Server().Subsz(&server.SubszOptions{Subscriptions: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var subs []string
		for _, d := range sz.Subs {
			if strings.HasPrefix(d.Subject, "transcribe.progress.") {
				subs = append(subs, d.Subject)
			}
		}
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		slices.Sort(subs)
		return subs
	}
	subs := progressSubs(t)
	if len(subs) != 2 || !regexp.MustCompile(`^transcribe\.progress\.one-[0-9a-f]+$`).MatchString(subs[0]) ||
		!regexp.MustCompile(`^transcribe\.progress\.two-[0-9a-f]+$`).MatchString(subs[1]) {
		t.Fatalf("progress subscriptions %q, want one on each job's subject", subs)
	}
	defer func(n int) { maxProgressSubs = n }(maxProgressSubs)
	maxProgressSubs = 1
	if subs := progressSubs(t); !slices.Equal(subs, []string{"transcribe.progress.>"}) {
		t.Fatalf("progress subscriptions %q for more files than maxProgressSubs, want one on every job's", subs)
	}
}

func TestLoadtestJSON(t *testing.T) {
	fleet(t, "20")
	f := writeWAV(t, "lt.wav", 2)
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if code := run(ctx, []string{"loadtest", "--concurrency", "8", "--jobs", "40", "--json", f}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	var rep loadtest.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Jobs != 40 || rep.Succeeded != 40 || rep.SuccessRate != 1 || rep.Missing != 0 || rep.Duplicates != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.JobsPerSec <= 0 || rep.AudioSecPerSec < 2*rep.JobsPerSec*0.99 || rep.Latency.P50 <= 0 || rep.Latency.P99 < rep.Latency.P50 {
		t.Fatalf("figures %+v", rep)
	}
	if rep.Workers["ctl-test"] != 40 || rep.Devices["sim"] != 40 {
		t.Fatalf("workers %v devices %v", rep.Workers, rep.Devices)
	}
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{}, {"frobnicate"}, {"submit"}, {"loadtest", "--jobs", "x", "f.wav"}} {
		out.Reset()
		errOut.Reset()
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBucketCreate(t *testing.T) {
	mn := miniotest.Start(t)
	sc := mn.Config()
	t.Setenv("S3_ENDPOINT", sc.Endpoint)
	t.Setenv("S3_ACCESS_KEY", sc.AccessKey)
	t.Setenv("S3_SECRET_KEY", sc.SecretKey)
	var out, errOut bytes.Buffer
	for range 2 { // idempotent
		if code := run(context.Background(), []string{"bucket", "create", "audio", "transcripts"}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
	if err := mn.Client(t).Put(context.Background(), "transcripts", "x", strings.NewReader("x"), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
}

// Dead letters can be listed, replayed into JOBS and purged.
func TestDLQCommands(t *testing.T) {
	ns := natstest.Start(t)
	t.Setenv("NATS_URL", ns.URL())
	t.Setenv("S3_ENDPOINT", "127.0.0.1:1")
	js := ns.JetStream(t)
	qc := queue.Config{URL: ns.URL()}.WithDefaults()
	if err := queue.Provision(context.Background(), js, qc); err != nil {
		t.Fatal(err)
	}
	// Two entries, as a worker would write them (its router moving each
	// job to its lane first).
	routeCtx, stopRouting := context.WithCancel(context.Background())
	routed := make(chan struct{})
	go func() {
		defer close(routed)
		queue.NewRouter(js, qc, nil).Run(routeCtx)
	}()
	t.Cleanup(func() { stopRouting(); <-routed })
	in := queue.NewIntake(js, qc)
	t.Cleanup(in.Close)
	pub := queue.NewPublisher(js, qc)
	for _, id := range []string{"poison-1", "poison-2"} {
		if err := pub.Submit(context.Background(), &job.Job{ID: id, Audio: job.ObjectRef{Bucket: "a", Key: "b"}}); err != nil {
			t.Fatal(err)
		}
		d, err := in.Next(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.DeadLetter(context.Background(), d, "max_deliver: timeout on delivery 1 of 1", errors.New("boom")); err != nil {
			t.Fatal(err)
		}
		d.Term("dead-lettered")
	}
	ctl := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	list := ctl("dlq", "list")
	if !strings.Contains(list, "poison-1") || !strings.Contains(list, "poison-2") || !strings.Contains(list, "boom") {
		t.Fatalf("list:\n%s", list)
	}
	ctl("dlq", "replay", "1")
	d, err := in.Next(testCtx(t))
	if err != nil || !strings.Contains(string(d.Data()), "poison-1") {
		t.Fatalf("replayed job not in JOBS: %v", err)
	}
	d.Ack(context.Background())
	if l := ctl("dlq", "list", "--json"); strings.Contains(l, "poison-1") || !strings.Contains(l, "poison-2") {
		t.Fatalf("after replay:\n%s", l)
	}
	ctl("dlq", "purge", "--all")
	if l := ctl("dlq", "list", "--json"); strings.TrimSpace(l) != "" {
		t.Fatalf("after purge:\n%s", l)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"dlq", "purge"}, &out, &errOut); code != 2 {
		t.Fatalf("purge without SEQ or --all: exit %d", code)
	}
}

// submit --priority puts the priority on the job (no worker runs here, so
// the job stays on the jobs subject as published); a priority that is not
// high, normal or low is refused before anything is uploaded.
func TestSubmitPriority(t *testing.T) {
	ns, mn := natstest.Start(t), miniotest.Start(t)
	sc := mn.Config()
	for k, v := range map[string]string{"NATS_URL": ns.URL(), "S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"submit", "--priority", "urgent", writeWAV(t, "a.wav", 1)}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "priority") {
		t.Fatalf("--priority urgent: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"submit", "--priority", "high", writeWAV(t, "b.wav", 1)}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	js := ns.JetStream(t)
	s, err := js.Stream(ctx, queue.DefaultJobsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, queue.DefaultJobsSubject)
	if err != nil {
		t.Fatal(err)
	}
	j, err := job.Parse(m.Data)
	if err != nil || j.Priority != job.PriorityHigh {
		t.Fatalf("job %s (%v), want priority high", m.Data, err)
	}
}

// testCtx is a context that ends with the test, or after a minute: a wait
// that would otherwise hang fails instead.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
