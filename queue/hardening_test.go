package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cenv "github.com/caarlos0/env/v11"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// setupWith is setup on a server started with opts.
func setupWith(t *testing.T, cfg queue.Config, opts ...natstest.Option) *env {
	t.Helper()
	srv := natstest.Start(t, opts...)
	js := srv.JetStream(t)
	cfg = cfg.WithDefaults()
	cfg.URL = srv.URL()
	if err := queue.Provision(testCtx(t), js, cfg); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return &env{srv: srv, js: js, cfg: cfg, pub: queue.NewPublisher(js, cfg)}
}

// waitFor polls cond every 20 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runRescuer runs a Rescuer until the test ends.
func runRescuer(t *testing.T, e *env, r *queue.Rescuer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func advisory(stream, consumer string, seq uint64) []byte {
	b, _ := json.Marshal(map[string]any{
		"type": "io.nats.jetstream.advisory.v1.max_deliver", "stream": stream, "consumer": consumer,
		"stream_seq": seq, "deliveries": 8,
	})
	return b
}

// Item 9 of issue 8: a forged max-deliveries advisory naming another stream
// (or another consumer) is ignored: the message it names survives. A real
// one for the jobs consumer still moves its job to the DLQ.
func TestRescuerIgnoresForgedAdvisories(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	ctx := testCtx(t)
	// A stored result: what a forged advisory deleted in the review.
	if dup, err := e.pub.Result(ctx, &job.Result{JobID: "victim", Status: job.StatusSucceeded, Text: "keep me"}); err != nil || dup {
		t.Fatalf("publish result: %v %v", dup, err)
	}
	results, err := e.js.Stream(ctx, e.cfg.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	victim, err := results.GetLastMsgForSubject(ctx, e.cfg.ResultSubject("victim"))
	if err != nil {
		t.Fatal(err)
	}
	// Two jobs in JOBS: one named by an advisory of another consumer, one
	// by a real advisory.
	e.submit(t, "other-consumer", "exhausted")
	nc := e.js.Conn()
	subject := "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + e.cfg.JobsStream + "." + e.cfg.Consumer
	for _, a := range [][]byte{
		advisory(e.cfg.ResultsStream, e.cfg.Consumer, victim.Sequence),
		advisory(e.cfg.ResultsStream, "anything", victim.Sequence),
		advisory(e.cfg.JobsStream, "someone-else", 1),
		advisory(e.cfg.JobsStream, e.cfg.Consumer, 2), // the real one, last
	} {
		if err := nc.Publish(subject, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	log, logs := capture()
	runRescuer(t, e, queue.NewRescuer(e.js, e.cfg, log))
	waitFor(t, 20*time.Second, "the real advisory to be handled", func() bool {
		return e.streamMsgs(t, e.cfg.DLQStream) == 1 && e.streamMsgs(t, e.cfg.ExhaustedStream()) == 0
	})

	if got, err := results.GetMsg(ctx, victim.Sequence); err != nil || !bytes.Equal(got.Data, victim.Data) {
		t.Fatalf("the result named by a forged advisory is gone: %v\n%s", err, logs)
	}
	if e.streamMsgs(t, e.cfg.JobsStream) != 1 {
		t.Fatalf("JOBS holds %d messages, want the job of the other consumer's advisory", e.streamMsgs(t, e.cfg.JobsStream))
	}
	dl, err := queue.DeadLetters(ctx, e.js, e.cfg)
	if err != nil || len(dl) != 1 || dl[0].JobID != "exhausted" || dl[0].Stream != e.cfg.JobsStream || dl[0].OrigSeq != 2 {
		t.Fatalf("dead letters: %+v %v", dl, err)
	}
	if n := strings.Count(logs.String(), "ignoring a max-deliveries advisory"); n != 3 {
		t.Fatalf("%d forged advisories logged, want 3:\n%s", n, logs)
	}
}

// Item 10 of issue 8: the rescuer's retries are bounded. An advisory it
// cannot handle (here: the DLQ is gone, so the job cannot be copied) is
// given up after the last attempt instead of being nak'd forever.
func TestRescuerRetriesAreBounded(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	ctx := testCtx(t)
	e.submit(t, "stuck")
	if err := e.js.DeleteStream(ctx, e.cfg.DLQStream); err != nil {
		t.Fatal(err)
	}
	if err := e.js.Conn().Publish("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+e.cfg.JobsStream+"."+e.cfg.Consumer,
		advisory(e.cfg.JobsStream, e.cfg.Consumer, 1)); err != nil {
		t.Fatal(err)
	}
	log, logs := capture()
	r := queue.NewRescuer(e.js, e.cfg, log)
	queue.SetRescuerRetry(r, 3, 50*time.Millisecond)
	runRescuer(t, e, r)
	waitFor(t, 30*time.Second, "the rescuer to give up", func() bool {
		return strings.Contains(logs.String(), "not handled after every attempt")
	})
	waitFor(t, 10*time.Second, "the advisory to leave "+e.cfg.ExhaustedStream(), func() bool {
		return e.streamMsgs(t, e.cfg.ExhaustedStream()) == 0
	})
	if n := strings.Count(logs.String(), "will retry"); n != 2 {
		t.Fatalf("%d retries logged, want 2 (3 attempts):\n%s", n, logs)
	}
	if e.streamMsgs(t, e.cfg.JobsStream) != 1 {
		t.Fatal("the job was deleted although it was not dead-lettered")
	}
}

// Item 10 of issue 8: a message too large to be copied into the DLQ beside
// the dead-letter headers is dead-lettered truncated, with its stream,
// sequence and original size; such an entry cannot be replayed. A message
// on the jobs subject so large that the router cannot copy it to its lane
// (no job is) goes to the DLQ that way, from the router.
func TestDeadLetterTruncatesOversizedMessage(t *testing.T) {
	t.Parallel()
	const maxPayload = 64 << 10
	e := setupWith(t, queue.Config{}, natstest.WithMaxPayload(maxPayload))
	ctx := testCtx(t)
	// Not a job, and as large as the server takes: its lane copy, with the
	// router's headers, is not.
	big := bytes.Repeat([]byte("x"), maxPayload-150)
	msg := &nats.Msg{Subject: e.cfg.JobsSubject, Data: big, Header: nats.Header{"Big": []string{strings.Repeat("h", 100)}}}
	ack, err := e.js.PublishMsg(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	var counted atomic.Value // the reason the router reports for its metrics
	e.route(t, queue.RouterDeadLettered(func(reason string) { counted.Store(reason) }))
	in := e.intake(t)
	var dl []queue.DeadLetter
	for deadline := time.Now().Add(10 * time.Second); len(dl) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the router did not dead-letter the message too large for its lane")
		}
		if dl, err = queue.DeadLetters(ctx, e.js, e.cfg); err != nil {
			t.Fatal(err)
		}
	}
	got := dl[0]
	if got.Truncated != len(big) || got.Stream != e.cfg.JobsStream || got.OrigSeq != ack.Sequence ||
		!strings.HasPrefix(got.Reason, queue.ReasonTooLarge+":") ||
		len(got.Data) == 0 || len(got.Data) >= len(big) || !bytes.Equal(got.Data, big[:len(got.Data)]) {
		t.Fatalf("dead letter: truncated=%d stream=%s seq=%d reason=%q data=%d bytes", got.Truncated, got.Stream, got.OrigSeq, got.Reason, len(got.Data))
	}
	waitFor(t, 5*time.Second, "the router to report the dead letter as "+queue.ReasonTooLarge, func() bool {
		r, _ := counted.Load().(string)
		return r == queue.ReasonTooLarge
	})
	if err := queue.Replay(ctx, e.js, e.cfg, got.Seq); !errors.Is(err, queue.ErrTooLarge) {
		t.Fatalf("replay of a truncated dead letter: %v", err)
	}
	e.waitRouted(t, 1)
	if n := e.streamMsgs(t, e.cfg.JobsStream); n != 0 {
		t.Fatalf("JOBS holds %d messages after the dead letter, want 0", n)
	}
	// A worker's dead letter of a delivery too large for the DLQ headers
	// is cut short the same way.
	mid := bytes.Repeat([]byte("y"), maxPayload-400)
	if _, err := e.js.Publish(ctx, e.cfg.JobsSubject, mid); err != nil {
		t.Fatal(err)
	}
	d := next(t, in, 10*time.Second)
	if err := e.pub.DeadLetter(ctx, d, "not_a_job: "+strings.Repeat("r", 2000), errors.New(strings.Repeat("e", 2000))); err != nil {
		t.Fatalf("dead letter of a %d-byte message: %v", len(mid), err)
	}
	if err := d.Term("dead-lettered"); err != nil {
		t.Fatal(err)
	}
	dl, _ = queue.DeadLetters(ctx, e.js, e.cfg)
	if len(dl) != 2 || dl[1].Truncated != len(mid) || dl[1].OrigSeq != d.StreamSeq() {
		t.Fatalf("dead letters: %d, second truncated=%d seq=%d", len(dl), dl[len(dl)-1].Truncated, dl[len(dl)-1].OrigSeq)
	}
	// A message that fits is copied whole, without the header.
	if _, err := e.js.Publish(ctx, e.cfg.JobsSubject, []byte("small")); err != nil {
		t.Fatal(err)
	}
	d = next(t, in, 10*time.Second)
	if err := e.pub.DeadLetter(ctx, d, "not_a_job", nil); err != nil {
		t.Fatal(err)
	}
	_ = d.Term("")
	dl, _ = queue.DeadLetters(ctx, e.js, e.cfg)
	if len(dl) != 3 || dl[2].Truncated != 0 || string(dl[2].Data) != "small" {
		t.Fatalf("dead letters: %+v", dl)
	}
}

// Item 10 of issue 8: every result fits the server's max payload. A
// transcript too long goes without segments (text kept when it fits), then
// without text; a long error message is cut; the result says what it left
// out. A result that fits is published whole.
func TestResultFitsMaxPayload(t *testing.T) {
	t.Parallel()
	const maxPayload = 64 << 10
	e := setupWith(t, queue.Config{}, natstest.WithMaxPayload(maxPayload))
	ctx := testCtx(t)
	meta := json.RawMessage(`{"tenant":"` + strings.Repeat("t", 3000) + `"}`)
	segments := func(n int, text string) []job.Segment {
		s := make([]job.Segment, n)
		for i := range s {
			s[i] = job.Segment{Start: float64(i), End: float64(i + 1), Text: text}
		}
		return s
	}
	for _, tc := range []struct {
		id   string
		r    job.Result
		want []string
	}{
		{"whole", job.Result{Status: job.StatusSucceeded, Text: "short", Segments: segments(3, "short"), Metadata: meta}, nil},
		{"no-segments", job.Result{Status: job.StatusSucceeded, Text: strings.Repeat("w ", 10000), Segments: segments(500, strings.Repeat("w ", 50)), Metadata: meta},
			[]string{job.TruncatedSegments}},
		{"no-text", job.Result{Status: job.StatusSucceeded, Text: strings.Repeat("w ", 40000), Segments: segments(500, "w"), Metadata: meta},
			[]string{job.TruncatedSegments, job.TruncatedText}},
		{"error-cut", job.Result{Status: job.StatusFailed, Error: &job.ErrorBody{Code: job.CodeInternal, Message: strings.Repeat("e", 100000)}, Metadata: meta},
			[]string{job.TruncatedErrorMessage}},
	} {
		r := tc.r
		r.JobID = tc.id
		before, _ := json.Marshal(&r)
		dup, err := e.pub.Result(ctx, &r)
		if err != nil || dup {
			t.Fatalf("%s: publish %d-byte result: %v %v", tc.id, len(before), dup, err)
		}
		if after, _ := json.Marshal(&r); !bytes.Equal(before, after) {
			t.Fatalf("%s: Result changed its argument", tc.id)
		}
		got, err := queue.LastResult(ctx, e.js, e.cfg, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Truncated) != fmt.Sprint(tc.want) {
			t.Errorf("%s: truncated %v, want %v", tc.id, got.Truncated, tc.want)
		}
		if string(got.Metadata) != string(meta) {
			t.Errorf("%s: metadata lost", tc.id)
		}
		if tc.id == "no-segments" && got.Text != r.Text {
			t.Errorf("%s: text not kept although it fits", tc.id)
		}
		if tc.id == "error-cut" && (got.Error == nil || got.Error.Code != job.CodeInternal || len(got.Error.Message) == 0 || len(got.Error.Message) > 1024) {
			t.Errorf("%s: error %+v", tc.id, got.Error)
		}
	}
}

// Item 10 of issue 8: "payload too large" is permanent, and says so
// (ErrTooLarge), so that callers stop retrying it.
func TestPublishTooLargeIsPermanent(t *testing.T) {
	t.Parallel()
	e := setupWith(t, queue.Config{}, natstest.WithMaxPayload(16<<10))
	err := e.pub.Submit(testCtx(t), &job.Job{ID: "huge", Audio: job.ObjectRef{Bucket: "a", Key: "b"}, Prompt: strings.Repeat("p", 32<<10)})
	if !errors.Is(err, queue.ErrTooLarge) {
		t.Fatalf("Submit of a too large job: %v, want ErrTooLarge", err)
	}
}

// Item 16 of issue 8: JOBS and DLQ are capped (MaxBytes, MaxAge), with
// defaults, configurable; a negative value lifts a cap. A full JOBS
// refuses new jobs and keeps the queued ones.
func TestStreamCaps(t *testing.T) {
	t.Parallel()
	cfgOf := func(js jetstream.JetStream, name string) jetstream.StreamConfig {
		s, err := js.Stream(testCtx(t), name)
		if err != nil {
			t.Fatal(err)
		}
		return s.CachedInfo().Config
	}
	e := setup(t, queue.Config{})
	jobs, dlq := cfgOf(e.js, "JOBS"), cfgOf(e.js, "DLQ")
	if jobs.MaxBytes != 256<<20 || jobs.MaxAge != 7*24*time.Hour || jobs.Discard != jetstream.DiscardNew {
		t.Errorf("JOBS defaults: max_bytes %d max_age %v discard %v", jobs.MaxBytes, jobs.MaxAge, jobs.Discard)
	}
	if dlq.MaxBytes != 256<<20 || dlq.MaxAge != 30*24*time.Hour || dlq.Discard != jetstream.DiscardOld {
		t.Errorf("DLQ defaults: max_bytes %d max_age %v discard %v", dlq.MaxBytes, dlq.MaxAge, dlq.Discard)
	}

	// Configured caps, and an update of existing streams to them.
	cfg := e.cfg
	cfg.JobsMaxBytes, cfg.JobsMaxAge = 3<<20, time.Hour
	cfg.DLQMaxBytes, cfg.DLQMaxAge = -1, -1
	if err := queue.Provision(testCtx(t), e.js, cfg); err != nil {
		t.Fatal(err)
	}
	jobs, dlq = cfgOf(e.js, "JOBS"), cfgOf(e.js, "DLQ")
	if jobs.MaxBytes != 3<<20 || jobs.MaxAge != time.Hour || dlq.MaxBytes != -1 || dlq.MaxAge != 0 {
		t.Errorf("configured: JOBS %d %v, DLQ %d %v", jobs.MaxBytes, jobs.MaxAge, dlq.MaxBytes, dlq.MaxAge)
	}

	// Full JOBS: the publisher is refused, nothing queued is dropped.
	payload := bytes.Repeat([]byte("j"), 900<<10)
	var refused error
	published := 0
	for i := range 10 {
		_, err := e.js.PublishMsg(testCtx(t), &nats.Msg{Subject: cfg.JobsSubject, Data: payload}, jetstream.WithMsgID(fmt.Sprint("fill-", i)))
		if err != nil {
			refused = err
			break
		}
		published++
	}
	if refused == nil || published == 0 {
		t.Fatalf("a 3 MiB JOBS took %d messages of 900 KiB", published)
	}
	s, _ := e.js.Stream(testCtx(t), "JOBS")
	if st := s.CachedInfo().State; st.Msgs != uint64(published) || st.FirstSeq != 1 {
		t.Fatalf("JOBS after refusing: %d messages from #%d, want %d from #1", st.Msgs, st.FirstSeq, published)
	}
}

// The environment variables of the caps and of PROVISION.
func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	c, err := cenv.ParseAsWithOptions[queue.Config](cenv.Options{Environment: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.JobsMaxBytes != 256<<20 || c.JobsMaxAge != 168*time.Hour || c.DLQMaxBytes != 256<<20 || c.DLQMaxAge != 720*time.Hour || !c.Provision.Bool() {
		t.Fatalf("defaults from an empty environment: %+v", c)
	}
	if c.WithDefaults().String() != c.String() {
		t.Fatalf("envDefault and WithDefaults differ:\n%v\n%v", c, c.WithDefaults())
	}
	c, err = cenv.ParseAsWithOptions[queue.Config](cenv.Options{Environment: map[string]string{
		"JOBS_MAX_BYTES": "512MiB", "JOBS_MAX_AGE": "24h", "DLQ_MAX_BYTES": "-1", "DLQ_MAX_AGE": "-1s", "PROVISION": "false",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.JobsMaxBytes != 512<<20 || c.JobsMaxAge != 24*time.Hour || c.DLQMaxBytes != -1 || c.DLQMaxAge != -time.Second || c.Provision.Bool() {
		t.Fatalf("parsed: %+v", c)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := cenv.ParseAsWithOptions[queue.Config](cenv.Options{Environment: map[string]string{"JOBS_MAX_BYTES": "lots", "PROVISION": "maybe"}}); err == nil ||
		!strings.Contains(err.Error(), "JobsMaxBytes") || !strings.Contains(err.Error(), "Provision") {
		t.Fatalf("bad values: %v", err)
	}
	if err := (queue.Config{JobsMaxBytes: 1000}).WithDefaults().Validate(); !errors.Is(err, queue.ErrInvalidConfig) || !strings.Contains(err.Error(), "JOBS_MAX_BYTES") {
		t.Fatalf("a 1000-byte JOBS: %v", err)
	}
}

// permissionedServer starts a server with an "admin" user allowed
// everything and a "worker" user allowed to publish only on allow (and to
// subscribe to its inbox).
func permissionedServer(t *testing.T, allow ...string) *natstest.Server {
	t.Helper()
	return natstest.Start(t, natstest.WithOptions(func(o *server.Options) {
		o.Users = []*server.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "worker", Password: "worker-pw", Permissions: &server.Permissions{
				Publish:   &server.SubjectPermission{Allow: allow},
				Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	}))
}

func connectAs(t *testing.T, srv *natstest.Server, user, password string) jetstream.JetStream {
	t.Helper()
	nc, err := queue.Connect(testCtx(t), queue.Config{URL: srv.URL(), User: user, Password: password}, queue.ConnectLogger(discard()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// Item 9 of issue 8: PROVISION=false binds to existing streams without
// changing them, and says clearly what is missing; a worker whose NATS user
// may not manage streams gets an error naming the subject it lacks, at
// once rather than after a timeout.
func TestPrepareBindsWithoutProvisioning(t *testing.T) {
	t.Parallel()
	workerSubjects := []string{
		"$JS.API.STREAM.INFO.JOBS", "$JS.API.STREAM.INFO.RESULTS", "$JS.API.STREAM.INFO.JOBS_EXHAUSTED",
		"$JS.API.CONSUMER.INFO.JOBS.xdna-workers", "$JS.API.CONSUMER.INFO.JOBS_EXHAUSTED.dlq-mover",
		"$JS.API.CONSUMER.INFO.JOBS.xdna-workers-high", "$JS.API.CONSUMER.INFO.JOBS.xdna-workers-normal",
		"$JS.API.CONSUMER.INFO.JOBS.xdna-workers-low",
		"$JS.API.STREAM.INFO.KV_transcribe-cancel",
		// no $JS.API.STREAM.INFO.DLQ at first
	}
	srv := permissionedServer(t, workerSubjects...)
	admin := connectAs(t, srv, "admin", "admin-pw")
	wjs := connectAs(t, srv, "worker", "worker-pw")
	bindOnly := queue.Config{Provision: queue.On(false)}

	// Nothing there yet: Bind says so and creates nothing.
	err := queue.Prepare(testCtx(t), admin, bindOnly)
	if !errors.Is(err, jetstream.ErrStreamNotFound) || !strings.Contains(err.Error(), "JOBS") || !strings.Contains(err.Error(), "PROVISION=false") {
		t.Fatalf("bind before provisioning: %v", err)
	}
	if _, err := admin.Stream(testCtx(t), "JOBS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("bind created JOBS: %v", err)
	}

	// The worker user may not provision: the error names the subject and
	// the way out, and comes long before the context's 30 s.
	start := time.Now()
	err = queue.Prepare(testCtx(t), wjs, queue.Config{})
	if !errors.Is(err, queue.ErrPermission) || !strings.Contains(err.Error(), "$JS.API.STREAM.") || !strings.Contains(err.Error(), "PROVISION=false") {
		t.Fatalf("provision as the worker user: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the permission error took %v", time.Since(start))
	}

	// Provisioned by the admin, with a cap the worker's config disagrees
	// with: binding leaves it alone.
	if err := queue.Prepare(testCtx(t), admin, queue.Config{JobsMaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	err = queue.Prepare(testCtx(t), wjs, bindOnly)
	if !errors.Is(err, queue.ErrPermission) || !strings.Contains(err.Error(), "$JS.API.STREAM.INFO.DLQ") {
		t.Fatalf("bind without the right to look up DLQ: %v", err)
	}
	srv2 := permissionedServer(t, append(workerSubjects, "$JS.API.STREAM.INFO.DLQ")...)
	admin2, wjs2 := connectAs(t, srv2, "admin", "admin-pw"), connectAs(t, srv2, "worker", "worker-pw")
	if err := queue.Provision(testCtx(t), admin2, queue.Config{JobsMaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := queue.Prepare(testCtx(t), wjs2, queue.Config{Provision: queue.On(false), JobsMaxAge: 2 * time.Hour}); err != nil {
		t.Fatalf("bind as the worker user: %v", err)
	}
	if err := queue.Prepare(testCtx(t), admin2, queue.Config{Provision: queue.On(false), JobsMaxAge: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	s, err := admin2.Stream(testCtx(t), "JOBS")
	if err != nil || s.CachedInfo().Config.MaxAge != time.Hour {
		t.Fatalf("bind changed JOBS: %v %v", err, s.CachedInfo().Config.MaxAge)
	}
	// A JOBS that does not capture the configured subject is not bound to.
	err = queue.Bind(testCtx(t), admin2, queue.Config{JobsSubject: "elsewhere.jobs"})
	if !errors.Is(err, queue.ErrInvalidConfig) || !strings.Contains(err.Error(), "elsewhere.jobs") {
		t.Fatalf("bind to JOBS with another subject: %v", err)
	}
	// Uploads too.
	if err := queue.PrepareUploads(testCtx(t), admin2, queue.UploadsConfig{}, queue.Config{Provision: queue.On(false)}); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("bind uploads before provisioning: %v", err)
	}
	if err := queue.PrepareUploads(testCtx(t), admin2, queue.UploadsConfig{}, queue.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := queue.PrepareUploads(testCtx(t), admin2, queue.UploadsConfig{}, queue.Config{Provision: queue.On(false)}); err != nil {
		t.Fatal(err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
