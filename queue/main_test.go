package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// env is one embedded server with provisioned streams.
type env struct {
	srv *natstest.Server
	js  jetstream.JetStream
	cfg queue.Config
	pub *queue.Publisher

	routing sync.Once // a Router runs once the first intake is made
}

// setup starts a server and provisions cfg (after defaults) on it.
func setup(t *testing.T, cfg queue.Config) *env {
	t.Helper()
	srv := natstest.Start(t)
	js := srv.JetStream(t)
	cfg = cfg.WithDefaults()
	cfg.URL = srv.URL()
	if err := queue.Provision(testCtx(t), js, cfg); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return &env{srv: srv, js: js, cfg: cfg, pub: queue.NewPublisher(js, cfg)}
}

// testCtx is a context that ends with the test (or after 30 s).
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// route runs a Router on e until the test ends, as every worker does: it
// moves the jobs published on the jobs subject to their lanes. Only the
// first call starts one (with its opts).
func (e *env) route(t *testing.T, opts ...queue.RouterOption) {
	t.Helper()
	e.routing.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			queue.NewRouter(e.js, e.cfg, slog.New(slog.DiscardHandler), opts...).Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })
	})
}

// waitRouted waits until the router has moved n jobs to their lanes and
// holds none.
func (e *env) waitRouted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := e.js.Consumer(testCtx(t), e.cfg.JobsStream, e.cfg.Consumer)
		if err != nil {
			t.Fatal(err)
		}
		ci := c.CachedInfo()
		if ci.Delivered.Consumer >= uint64(n) && ci.NumPending == 0 && ci.NumAckPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("router: %d delivered, %d pending, %d unacknowledged; want %d routed", ci.Delivered.Consumer, ci.NumPending, ci.NumAckPending, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// intake returns an Intake on e, with a Router running.
func (e *env) intake(t *testing.T) *queue.Intake {
	t.Helper()
	e.route(t)
	in := queue.NewIntake(e.js, e.cfg, queue.IntakePollWait(500*time.Millisecond), queue.IntakeRetry(20*time.Millisecond, 200*time.Millisecond))
	t.Cleanup(in.Close)
	return in
}

func (e *env) submit(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		j := &job.Job{ID: id, Audio: job.ObjectRef{Bucket: "audio", Key: id + ".wav"}}
		if err := e.pub.Submit(testCtx(t), j); err != nil {
			t.Fatalf("submit %s: %v", id, err)
		}
	}
}

func (e *env) streamMsgs(t *testing.T, name string) uint64 {
	t.Helper()
	s, err := e.js.Stream(testCtx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().State.Msgs
}

// consumerInfo is the info of the normal lane's consumer, where the jobs
// e.submit publishes go.
func (e *env) consumerInfo(t *testing.T) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := e.js.Consumer(testCtx(t), e.cfg.JobsStream, e.cfg.LaneConsumer(job.PriorityNormal))
	if err != nil {
		t.Fatal(err)
	}
	return c.CachedInfo()
}

// next calls in.Next with a timeout and fails the test on error.
func next(t *testing.T, in *queue.Intake, timeout time.Duration) *queue.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d, err := in.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return d
}

// jobID parses the job id of a delivery.
func jobID(t *testing.T, d *queue.Delivery) string {
	t.Helper()
	j, err := job.Parse(d.Data())
	if err != nil {
		t.Fatalf("parse %q: %v", d.Data(), err)
	}
	return j.ID
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// syncWriter serialises writes to w (log handlers write from several
// goroutines) and lets the test read what was written.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String returns everything written so far.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// capture returns a logger writing text lines at debug level, and what it
// wrote so far.
func capture() (*slog.Logger, *syncWriter) {
	w := &syncWriter{w: &bytes.Buffer{}}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})), w
}
