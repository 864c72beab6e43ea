package queue_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

func TestProvisionIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	cfg := queue.Config{URL: srv.URL()}.WithDefaults()

	// Two workers starting together, each with its own connection.
	jss := []jetstream.JetStream{srv.JetStream(t), srv.JetStream(t)}
	var wg sync.WaitGroup
	errs := make([]error, len(jss))
	for i, js := range jss {
		wg.Go(func() { errs[i] = queue.Provision(testCtx(t), js, cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Provision %d: %v", i, err)
		}
	}
	// And once more, sequentially.
	if err := queue.Provision(testCtx(t), jss[0], cfg); err != nil {
		t.Fatalf("second Provision: %v", err)
	}

	js := jss[0]
	ctx := testCtx(t)
	info := func(name string) jetstream.StreamConfig {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return s.CachedInfo().Config
	}
	jobs := info("JOBS")
	if jobs.Retention != jetstream.WorkQueuePolicy || !slices.Equal(jobs.Subjects, []string{"transcribe.jobs", "transcribe.jobs.high", "transcribe.jobs.normal", "transcribe.jobs.low"}) ||
		jobs.Storage != jetstream.FileStorage || jobs.Duplicates != 2*time.Minute {
		t.Errorf("JOBS config: %+v", jobs)
	}
	results := info("RESULTS")
	if results.Retention != jetstream.LimitsPolicy || !slices.Equal(results.Subjects, []string{"transcribe.results.>"}) ||
		results.MaxAge != 72*time.Hour || results.Duplicates != 2*time.Minute || results.Storage != jetstream.FileStorage {
		t.Errorf("RESULTS config: %+v", results)
	}
	dlq := info("DLQ")
	if dlq.Retention != jetstream.LimitsPolicy || !slices.Equal(dlq.Subjects, []string{"transcribe.dlq"}) {
		t.Errorf("DLQ config: %+v", dlq)
	}

	c, err := js.Consumer(ctx, "JOBS", "xdna-workers")
	if err != nil {
		t.Fatal(err)
	}
	cc := c.CachedInfo().Config
	if cc.Durable != "xdna-workers" || cc.AckPolicy != jetstream.AckExplicitPolicy || cc.AckWait != 60*time.Second ||
		cc.MaxDeliver != 8 || cc.FilterSubject != "transcribe.jobs" || cc.MaxAckPending != 10000 ||
		cc.DeliverPolicy != jetstream.DeliverAllPolicy || len(cc.BackOff) != 0 {
		t.Errorf("consumer config: %+v", cc)
	}
}

func TestProvisionUpdatesBackOff(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	js := srv.JetStream(t)
	cfg := queue.Config{}
	if err := queue.Provision(testCtx(t), js, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.BackOff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	cfg.DuplicateWindow = 5 * time.Minute
	if err := queue.Provision(testCtx(t), js, cfg); err != nil {
		t.Fatalf("re-provision with BackOff: %v", err)
	}
	c, err := js.Consumer(testCtx(t), "JOBS", "xdna-workers")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.BackOff; !slices.Equal(got, cfg.BackOff) {
		t.Fatalf("BackOff = %v, want %v", got, cfg.BackOff)
	}
	s, err := js.Stream(testCtx(t), "JOBS")
	if err != nil {
		t.Fatal(err)
	}
	if s.CachedInfo().Config.Duplicates != 5*time.Minute {
		t.Fatalf("Duplicates not updated: %v", s.CachedInfo().Config.Duplicates)
	}
}

func TestProvisionRejectsBadConfig(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	err := queue.Provision(testCtx(t), srv.JetStream(t), queue.Config{JobsSubject: "a.>"})
	if err == nil {
		t.Fatal("Provision accepted a wildcard jobs subject")
	}
}
