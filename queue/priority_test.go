package queue_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// publishRaw publishes data on the jobs subject as any client would, with
// header h.
func (e *env) publishRaw(t *testing.T, data string, h nats.Header) {
	t.Helper()
	if _, err := e.js.PublishMsg(testCtx(t), &nats.Msg{Subject: e.cfg.JobsSubject, Data: []byte(data), Header: h}); err != nil {
		t.Fatal(err)
	}
}

// submitAt submits jobs id-000… of priority p.
func (e *env) submitAt(t *testing.T, p job.Priority, prefix string, n int) {
	t.Helper()
	for _, id := range ids(prefix, n) {
		j := &job.Job{ID: id, Priority: p, Audio: job.ObjectRef{Bucket: "audio", Key: id}}
		if err := e.pub.Submit(testCtx(t), j); err != nil {
			t.Fatal(err)
		}
	}
}

// The router moves each message on the jobs subject to the lane its
// "priority" names; anything else goes to normal, to be judged there. The
// headers go along, and the delivery keeps the time of the first publish.
func TestRouterRoutesByPriority(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{LowerEvery: 1000}) // no guard picks here
	before := time.Now()
	for i, m := range []string{
		`{"job_id":"l","audio":{"bucket":"a","key":"l"},"priority":"low"}`,
		`{"job_id":"n","audio":{"bucket":"a","key":"n"}}`,
		`{"job_id":"h","audio":{"bucket":"a","key":"h"},"priority":"high"}`,
		`{"job_id":"u","audio":{"bucket":"a","key":"u"},"priority":"urgent"}`,
		`not a job`,
	} {
		e.publishRaw(t, m, nats.Header{"Traceparent": []string{"00-abc-def-01"}, "Nats-Msg-Id": []string{"m" + strconv.Itoa(i)}})
	}
	in := e.intake(t)
	e.waitRouted(t, 5)
	time.Sleep(50 * time.Millisecond) // so that the copies' own times are later
	for _, want := range []struct {
		data     string
		priority job.Priority
	}{
		{"h", job.PriorityHigh}, {"n", job.PriorityNormal}, {"u", job.PriorityNormal}, {"not a job", job.PriorityNormal}, {"l", job.PriorityLow},
	} {
		d := next(t, in, 5*time.Second)
		got := string(d.Data())
		if j, err := job.Parse(d.Data()); err == nil || j != nil {
			got = j.ID
		}
		if got != want.data || d.Priority() != want.priority || d.Subject() != e.cfg.LaneSubject(want.priority) {
			t.Fatalf("took %q from %s (priority %s), want %q from the %s lane", got, d.Subject(), d.Priority(), want.data, want.priority)
		}
		if tp := d.Headers().Get("Traceparent"); tp != "00-abc-def-01" {
			t.Fatalf("traceparent %q did not travel", tp)
		}
		if p := d.Published(); p.Before(before.Add(-time.Second)) || !p.Before(before.Add(50*time.Millisecond)) {
			t.Fatalf("Published %v: not the first publish (published from %v)", p, before)
		}
		if err := d.Ack(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// The policy: high, then normal, then low, except every LowerEvery-th take,
// which tries low first and normal first in turn.
func TestIntakeTakesHigherPrioritiesFirst(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{LowerEvery: 4})
	e.submitAt(t, job.PriorityLow, "low", 10)
	e.submitAt(t, job.PriorityNormal, "normal", 10)
	e.submitAt(t, job.PriorityHigh, "high", 10)
	in := e.intake(t)
	e.waitRouted(t, 30)
	var got []job.Priority
	for range 20 {
		d := next(t, in, 5*time.Second)
		got = append(got, d.Priority())
		d.Ack(context.Background())
	}
	H, N, L := job.PriorityHigh, job.PriorityNormal, job.PriorityLow
	want := []job.Priority{
		H, H, H, L, // the 4th take: low first
		H, H, H, N, // the 8th: normal first
		H, H, H, L,
		H, N, N, N, // high is empty after its 10th
		N, N, N, L, // the 20th: low first
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("takes %v, want %v", got, want)
		}
	}
}

// An idle Next is woken by a job published on a lane, not by its poll wait
// (a minute here), and takes each job as it comes, however the wake-up and
// the stream's store of the job race: the wake-up can come first, and a
// no-wait pull then finds the lane empty. Before the settle pull, 5 of 100 jobs
// submitted one at a time to an idle intake waited for the poll wait (here
// a minute); now each is taken within milliseconds. Under -race the race
// seldom shows (the detector slows the client more than the store), so
// make test also runs this test without it.
func TestIdleNextTakesEachJobAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.route(t)
	in := queue.NewIntake(e.js, e.cfg, queue.IntakePollWait(time.Minute))
	t.Cleanup(in.Close)
	var worst time.Duration
	for i := range 100 {
		got := make(chan error, 1)
		var at time.Time
		var d *queue.Delivery
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var err error
			if d, err = in.Next(ctx); err == nil {
				at = time.Now()
				err = d.Ack(ctx)
			}
			got <- err
		}()
		time.Sleep(20 * time.Millisecond) // Next has looked at every lane and waits
		submitted := time.Now()
		prefix := fmt.Sprintf("one%d", i)
		e.submitAt(t, job.Priorities[i%len(job.Priorities)], prefix, 1)
		if err := <-got; err != nil {
			t.Fatalf("job %d of 100, submitted to an idle Next: %v", i+1, err)
		}
		if id := jobID(t, d); id != prefix+"-000" {
			t.Fatalf("took %s, want %s-000", id, prefix)
		}
		worst = max(worst, at.Sub(submitted))
	}
	t.Logf("slowest of 100 taken %v after its submission", worst)
	if worst > 2*time.Second {
		t.Fatalf("a job waited %v for an idle Next", worst)
	}
}
