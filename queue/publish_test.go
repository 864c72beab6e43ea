package queue_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

func TestResultIsStoredOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	r := &job.Result{JobID: "call-0001", Status: job.StatusSucceeded, Text: "hello", Attempt: 1}
	dup, err := e.pub.Result(testCtx(t), r)
	if err != nil || dup {
		t.Fatalf("first Result = %v, %v", dup, err)
	}
	r2 := *r
	r2.Attempt, r2.Text = 2, "hello again"
	dup, err = e.pub.Result(testCtx(t), &r2)
	if err != nil || !dup {
		t.Fatalf("second Result = %v, %v; want duplicate", dup, err)
	}
	if n := e.streamMsgs(t, "RESULTS"); n != 1 {
		t.Fatalf("RESULTS holds %d messages, want 1", n)
	}
	got, err := queue.LastResult(testCtx(t), e.js, e.cfg, "call-0001")
	if err != nil || got.Attempt != 1 || got.Text != "hello" {
		t.Fatalf("stored result %+v, %v; want the first", got, err)
	}
}

// After the duplicate window the Nats-Msg-Id is forgotten; the per-subject
// expectation still refuses a second result.
func TestResultDuplicateAfterWindow(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	// A result stored under another Nats-Msg-Id stands in for one whose id
	// has left the window.
	if _, err := e.js.PublishMsg(testCtx(t), &nats.Msg{
		Subject: e.cfg.ResultSubject("old-1"), Data: []byte(`{"job_id":"old-1","status":"succeeded"}`),
		Header: nats.Header{"Nats-Msg-Id": []string{"forgotten"}},
	}); err != nil {
		t.Fatal(err)
	}
	dup, err := e.pub.Result(testCtx(t), &job.Result{JobID: "old-1", Status: job.StatusFailed})
	if err != nil || !dup {
		t.Fatalf("Result = %v, %v; want duplicate", dup, err)
	}
	if n := e.streamMsgs(t, "RESULTS"); n != 1 {
		t.Fatalf("RESULTS holds %d messages, want 1", n)
	}
}

func TestResultRejectsBadJobID(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	for _, r := range []*job.Result{nil, {JobID: ""}, {JobID: "a.*"}, {JobID: "has space"}} {
		if _, err := e.pub.Result(testCtx(t), r); !errors.Is(err, queue.ErrInvalidJobID) {
			t.Errorf("Result(%+v) = %v, want ErrInvalidJobID", r, err)
		}
	}
	if err := e.pub.Submit(testCtx(t), &job.Job{ID: "a>b"}); !errors.Is(err, queue.ErrInvalidJobID) {
		t.Errorf("Submit = %v, want ErrInvalidJobID", err)
	}
}

func TestSubmitIsIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.submit(t, "s-1", "s-1", "s-2")
	if n := e.streamMsgs(t, "JOBS"); n != 2 {
		t.Fatalf("JOBS holds %d messages, want 2", n)
	}
}

func TestDeadLetter(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	raw := []byte("\x00not json at all\xff")
	if _, err := e.js.PublishMsg(testCtx(t), &nats.Msg{
		Subject: e.cfg.JobsSubject, Data: raw,
		Header: nats.Header{"Traceparent": []string{"00-abc-def-01"}, "Nats-Msg-Id": []string{"poison"}},
	}); err != nil {
		t.Fatal(err)
	}
	in := e.intake(t)
	d := next(t, in, 5*time.Second)
	if _, err := job.Parse(d.Data()); !errors.Is(err, job.ErrNotAJob) {
		t.Fatalf("Parse = %v", err)
	}
	reason := "not a job: not JSON"
	if err := e.pub.DeadLetter(testCtx(t), d, reason, nil); err != nil {
		t.Fatal(err)
	}
	// Redelivered before the Term took: dead-lettering again stores nothing.
	if err := d.NakWithDelay(0); err != nil {
		t.Fatal(err)
	}
	d2 := next(t, in, 5*time.Second)
	if err := e.pub.DeadLetter(testCtx(t), d2, reason, nil); err != nil {
		t.Fatal(err)
	}
	if err := d2.Term(reason); err != nil {
		t.Fatal(err)
	}
	if n := e.streamMsgs(t, "DLQ"); n != 1 {
		t.Fatalf("DLQ holds %d messages, want 1", n)
	}

	s, err := e.js.Stream(testCtx(t), "DLQ")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(testCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != string(raw) || m.Subject != "transcribe.dlq" {
		t.Fatalf("dead letter %q on %s", m.Data, m.Subject)
	}
	want := map[string]string{
		queue.HeaderDLQReason:   reason,
		queue.HeaderDLQSubject:  "transcribe.jobs.normal", // its lane
		queue.HeaderDLQStream:   "JOBS",
		queue.HeaderDLQSequence: strconv.FormatUint(d.StreamSeq(), 10),
		queue.HeaderDLQAttempts: "1",
		"Traceparent":           "00-abc-def-01",
		"Nats-Msg-Id":           queue.DeadLetterID("JOBS", d.StreamSeq()),
	}
	for k, v := range want {
		if got := m.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, m.Header.Get(queue.HeaderDLQPublished)); err != nil {
		t.Errorf("header %s: %v", queue.HeaderDLQPublished, err)
	}
}
