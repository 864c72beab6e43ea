package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// `xdnactl cancel` writes one cancellation per id and prints a line for
// each; an id it cannot cancel is reported and makes it exit 1, without
// keeping it from cancelling the others.
func TestCancelCommand(t *testing.T) {
	ns := natstest.Start(t)
	t.Setenv("NATS_URL", ns.URL())
	t.Setenv("S3_ENDPOINT", "127.0.0.1:1")
	js := ns.JetStream(t)
	qc := queue.Config{URL: ns.URL()}.WithDefaults()
	if err := queue.Provision(context.Background(), js, qc); err != nil {
		t.Fatal(err)
	}
	cancels, err := queue.OpenCancels(context.Background(), js, qc)
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := ctl(t, "cancel", "call-1", "tenant.call-2")
	if code != 0 || stdout != "canceled call-1\ncanceled tenant.call-2\n" {
		t.Fatalf("cancel: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, id := range []string{"call-1", "tenant.call-2"} {
		if yes, err := cancels.Canceled(context.Background(), id); err != nil || !yes {
			t.Fatalf("%s not cancelled in the bucket: %v %v", id, yes, err)
		}
	}

	code, stdout, stderr = ctl(t, "cancel", "a..b", "call-3")
	if code != 1 || stdout != "canceled call-3\n" || !strings.Contains(stderr, "a..b: not canceled") || !strings.Contains(stderr, "1 of 2") {
		t.Fatalf("cancel with a bad id: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if yes, _ := cancels.Canceled(context.Background(), "call-3"); !yes {
		t.Fatal("call-3 not cancelled beside a bad id")
	}
	if code, _, _ := ctl(t, "cancel"); code != 2 {
		t.Fatalf("cancel without ids: exit %d, want 2", code)
	}
}

// Against a real fleet: a job submitted with xdnactl and cancelled with
// xdnactl ends with a failed result, code canceled, long before it could
// have finished (its 300 s of audio take 20 s on this sim).
func TestCancelStopsSubmittedJob(t *testing.T) {
	fleet(t, "2000")
	f := writeWAV(t, "long.wav", 300)
	code, stdout, stderr := ctl(t, "submit", f)
	if code != 0 {
		t.Fatalf("submit: exit %d\n%s", code, stderr)
	}
	id := strings.TrimSpace(stdout)
	time.Sleep(time.Second) // queued or running: both end canceled
	start := time.Now()
	if code, stdout, stderr := ctl(t, "cancel", id); code != 0 || stdout != "canceled "+id+"\n" {
		t.Fatalf("cancel: exit %d, %q %q", code, stdout, stderr)
	}

	nc, err := nats.Connect(os.Getenv("NATS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var got *job.Result
	if err := queue.Await(ctx, js, queue.Config{}.WithDefaults(), []string{id}, func(r *job.Result) { got = r }); err != nil {
		t.Fatalf("no result within 15 s of the cancellation: %v", err)
	}
	if got.Status != job.StatusFailed || got.Error == nil || got.Error.Code != job.CodeCanceled {
		t.Fatalf("result: %+v", got)
	}
	t.Logf("canceled result %v after xdnactl cancel", time.Since(start).Round(time.Millisecond))
}
