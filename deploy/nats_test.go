package deploy_test

// TestNATSPermissions starts a real NATS server (embedded) with the shipped
// nats/nats-server.conf and runs the project's own code as each user of it:
// provisioning as `admin`, a whole worker (worker.Open + Run with
// PROVISION=false: intake, results, dead letters, the uploads loop, the
// max-deliveries rescuer) as `worker`, jobs and results as `publisher`,
// results as `reader`, S3 events as `minio`. Each role
// must be able to do its job without a single permissions violation, and must
// be refused what it has no business doing (consuming jobs as a publisher,
// deleting a stored result or forging an advisory as a worker, ...).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/logbuf"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// natsConfPath is the NATS server configuration compose and the integration
// tests use.
const natsConfPath = "nats/nats-server.conf"

// natsRoles are the users of natsConfPath and the environment variable each
// one's password comes from.
var natsRoles = map[string]string{
	"publisher": "XDNA_NATS_PUBLISHER_PASSWORD",
	"reader":    "XDNA_NATS_READER_PASSWORD",
	"worker":    "XDNA_NATS_WORKER_PASSWORD",
	"minio":     "XDNA_NATS_MINIO_PASSWORD",
	"admin":     "XDNA_NATS_ADMIN_PASSWORD",
}

func natsPassword(role string) string { return "test-" + role + "-secret" }

// inboxPrefix is the NATS_INBOX_PREFIX each role runs with: its own, except
// for minio (MinIO's client keeps nats.go's default) and admin (allowed
// everything).
func inboxPrefix(role string) string {
	switch role {
	case "minio", "admin":
		return ""
	}
	return "_INBOX_" + role
}

// startPermissionedNATS runs an embedded server configured by the shipped
// file. The passwords, which the server reads from its environment in
// compose, are defined in front of a copy of the file instead (the same
// variable lookup, without touching this process's environment).
func startPermissionedNATS(t *testing.T) *natstest.Server {
	t.Helper()
	conf := readFile(t, natsConfPath)
	var head strings.Builder
	for role, v := range natsRoles {
		if !strings.Contains(conf, "$"+v) {
			t.Fatalf("%s: no user reads its password from $%s", natsConfPath, v)
		}
		fmt.Fprintf(&head, "%s: %q\n", v, natsPassword(role))
	}
	path := filepath.Join(t.TempDir(), "nats-server.conf")
	if err := os.WriteFile(path, []byte(head.String()+conf), 0o600); err != nil {
		t.Fatal(err)
	}
	fo, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("%s: %v", natsConfPath, err)
	}
	return natstest.Start(t, natstest.WithOptions(func(o *server.Options) {
		keep := *o
		*o = *fo
		o.ServerName, o.Host, o.Port, o.NoLog, o.NoSigs = keep.ServerName, keep.Host, keep.Port, keep.NoLog, keep.NoSigs
		// JOBS and DLQ reserve their MaxBytes (1 GiB each by default):
		// room for both, as on a real server (nothing is preallocated).
		o.JetStream, o.StoreDir, o.JetStreamMaxMemory, o.JetStreamMaxStore = true, keep.StoreDir, keep.JetStreamMaxMemory, 16<<30
	}))
}

// violations records the permission violations the server reports to one
// connection.
type violations struct {
	mu   sync.Mutex
	msgs []string
}

func (v *violations) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		v.mu.Lock()
		v.msgs = append(v.msgs, err.Error())
		v.mu.Unlock()
	}
}

// seen waits up to d for a violation mentioning subject.
func (v *violations) seen(subject string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		v.mu.Lock()
		for _, m := range v.msgs {
			if strings.Contains(m, `"`+subject+`"`) {
				v.mu.Unlock()
				return true
			}
		}
		v.mu.Unlock()
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (v *violations) all() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.msgs...)
}

// natsClient is one role's connection.
type natsClient struct {
	role string
	nc   *nats.Conn
	js   jetstream.JetStream
	v    *violations
}

func connectAs(t *testing.T, url, role string) *natsClient {
	t.Helper()
	c := &natsClient{role: role, v: &violations{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	qc := queue.Config{URL: url, User: role, Password: natsPassword(role), Name: "deploy-test " + role, InboxPrefix: inboxPrefix(role)}
	nc, err := queue.Connect(ctx, qc, queue.ConnectLogger(slog.New(slog.DiscardHandler)),
		queue.ConnectNATSOptions(nats.ErrorHandler(c.v.handler)))
	if err != nil {
		t.Fatalf("connect as %s: %v", role, err)
	}
	t.Cleanup(nc.Close)
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitDeadLetter waits until the DLQ holds an entry for jobID and returns it.
func waitDeadLetter(t *testing.T, admin *natsClient, cfg queue.Config, jobID string, d time.Duration) queue.DeadLetter {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		dls, err := queue.DeadLetters(ctx, admin.js, cfg)
		cancel()
		if err == nil {
			for _, dl := range dls {
				if dl.JobID == jobID {
					return dl
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter for %q after %v (DLQ: %d entries, err %v)", jobID, d, len(dls), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestNATSPermissions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and a worker")
	}
	srv := startPermissionedNATS(t)
	url := srv.URL()

	// Anonymous clients are refused.
	if nc, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("an anonymous client connected; every client must authenticate")
	}
	if nc, err := nats.Connect(url, nats.UserInfo("worker", "wrong"), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("the worker user connected with a wrong password")
	}

	admin := connectAs(t, url, "admin")
	publisher := connectAs(t, url, "publisher")
	reader := connectAs(t, url, "reader")
	minio := connectAs(t, url, "minio")

	// A whole worker as `worker`. The worker user may not create or change
	// streams: it runs with PROVISION=false, after the provisioning step
	// (xdna-provision in compose) has run as admin.
	env := map[string]string{
		"NATS_URL": url, "NATS_USER": "worker", "NATS_PASSWORD": natsPassword("worker"),
		"NATS_INBOX_PREFIX": inboxPrefix("worker"), "PROVISION": "false",
		"S3_ENDPOINT": "127.0.0.1:1", "S3_ACCESS_KEY": "unused", "S3_SECRET_KEY": "unused-secret", "S3_MAX_RETRIES": "1",
		"XDNA_DEVICE": "sim", "XDNA_SIM_WINDOW_MS": "1",
		"ACK_WAIT": "1s", "MAX_DELIVER": "2", "RETRY_BACKOFF": "100ms", "SHUTDOWN_TIMEOUT": "2s",
		"WORKER_ID": "deploy-test", "XDNA_TEMP_DIR": t.TempDir(), "FFMPEG_PATH": "none", "LOG_FORMAT": "json",
	}
	cfg, err := worker.LoadConfig(env)
	if err != nil {
		t.Fatal(err)
	}
	qc := cfg.Queue()
	{
		pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := queue.ProvisionUploads(pctx, admin.js, cfg.Uploads, qc); err != nil {
			t.Fatalf("provision uploads as admin: %v", err)
		}
		if err := queue.Provision(pctx, admin.js, qc); err != nil {
			t.Fatalf("provision as admin: %v", err)
		}
		pcancel()
	}
	var wlog logbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&wlog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := worker.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("worker.Open as the worker user: %v\n%s", err, wlog.String())
	}
	defer w.Close()

	// A job whose every delivery "crashes" (pulled, never settled) before
	// the worker runs: the server's max-deliveries advisory lands in
	// JOBS_EXHAUSTED and the worker's rescuer moves the job to the DLQ,
	// reading and deleting it in JOBS.
	pub := queue.NewPublisher(publisher.js, qc)
	if err := pub.Submit(ctx, &job.Job{ID: "exhaust.1", Audio: job.ObjectRef{Bucket: "audio", Key: "x.wav"}}); err != nil {
		t.Fatalf("submit as publisher: %v", err)
	}
	// A router moves it to its lane, as the worker's would.
	routeCtx, stopRouting := context.WithCancel(ctx)
	routed := make(chan struct{})
	go func() {
		defer close(routed)
		queue.NewRouter(admin.js, qc, log).Run(routeCtx)
	}()
	crash := queue.NewIntake(admin.js, qc, queue.IntakePollWait(500*time.Millisecond))
	for i := range 2 {
		nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
		d, err := crash.Next(nctx)
		ncancel()
		if err != nil {
			t.Fatalf("crash delivery %d: %v", i+1, err)
		}
		_ = d // never settled
	}
	crash.Close()
	stopRouting()
	<-routed

	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()
	stopped := false
	stopWorker := func() {
		if !stopped {
			stopped = true
			stop()
			if err := <-ran; err != nil {
				t.Errorf("worker.Run: %v", err)
			}
		}
	}
	defer stopWorker()

	t.Run("worker and publisher: a job and its result", func(t *testing.T) {
		// No audio: the worker answers with a failed result (invalid_job).
		if err := pub.Submit(ctx, &job.Job{ID: "perm.bad"}); err != nil {
			t.Fatalf("submit as publisher: %v", err)
		}
		actx, acancel := context.WithTimeout(ctx, 30*time.Second)
		defer acancel()
		var got *job.Result
		if err := queue.Await(actx, publisher.js, qc, []string{"perm.bad"}, func(r *job.Result) { got = r }); err != nil {
			t.Fatalf("await as publisher: %v", err)
		}
		if got.Status != job.StatusFailed || got.Error == nil || got.Error.Code != job.CodeInvalidJob {
			t.Errorf("result %+v, want failed invalid_job", got)
		}
	})
	t.Run("publisher and worker: a cancelled job", func(t *testing.T) {
		// The publisher cancels, then submits: the worker reads the
		// cancellation at pickup (and its watch sees the put) and answers
		// with a failed result, code canceled, before any storage call.
		cancels, err := queue.OpenCancels(ctx, publisher.js, qc)
		if err != nil {
			t.Fatalf("open the cancellation bucket as publisher: %v", err)
		}
		if err := cancels.Cancel(ctx, "perm.canceled"); err != nil {
			t.Fatalf("cancel as publisher: %v", err)
		}
		if err := pub.Submit(ctx, &job.Job{ID: "perm.canceled", Audio: job.ObjectRef{Bucket: "audio", Key: "x.wav"}}); err != nil {
			t.Fatalf("submit as publisher: %v", err)
		}
		actx, acancel := context.WithTimeout(ctx, 30*time.Second)
		defer acancel()
		var got *job.Result
		if err := queue.Await(actx, publisher.js, qc, []string{"perm.canceled"}, func(r *job.Result) { got = r }); err != nil {
			t.Fatalf("await as publisher: %v", err)
		}
		if got.Status != job.StatusFailed || got.Error == nil || got.Error.Code != job.CodeCanceled {
			t.Errorf("result %+v, want failed canceled", got)
		}
	})
	t.Run("reader: results", func(t *testing.T) {
		if _, err := queue.LastResult(ctx, reader.js, qc, "perm.bad"); err != nil {
			t.Errorf("LastResult as reader: %v", err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		if err := queue.Await(wctx, reader.js, qc, []string{"perm.bad"}, func(*job.Result) {}); err != nil {
			t.Errorf("watch as reader: %v", err)
		}
	})
	t.Run("worker: a message that is not a job goes to the DLQ", func(t *testing.T) {
		if _, err := publisher.js.Publish(ctx, qc.JobsSubject, []byte("not a job"), jetstream.WithMsgID("perm-garbage")); err != nil {
			t.Fatalf("publish as publisher: %v", err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			dls, err := queue.DeadLetters(ctx, admin.js, qc)
			found := false
			for _, dl := range dls {
				found = found || string(dl.Data) == "not a job"
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the non-job never reached the DLQ (%d entries, %v)", len(dls), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Run("worker: rescuer moves an exhausted job to the DLQ", func(t *testing.T) {
		dl := waitDeadLetter(t, admin, qc, "exhaust.1", 30*time.Second)
		if !strings.HasPrefix(dl.Reason, queue.ReasonExhausted) {
			t.Errorf("dead letter reason %q, want %s…", dl.Reason, queue.ReasonExhausted)
		}
	})
	// Progress: the worker publishes a job's events (the upload's job below
	// reaches its fetch stage), the publisher and the reader follow them.
	upID := queue.UploadJobID("audio", "up/perm.wav", queue.UploadVersion("0123abcd", ""))
	progressSeen := map[string]chan *job.Progress{}
	for _, c := range []*natsClient{publisher, reader} {
		ch := make(chan *job.Progress, 16)
		sub, err := queue.SubscribeProgress(c.nc, qc, func(p *job.Progress) { ch <- p }, upID)
		if err != nil {
			t.Fatalf("subscribe to progress as %s: %v", c.role, err)
		}
		defer sub.Unsubscribe()
		if err := c.nc.FlushWithContext(ctx); err != nil {
			t.Fatal(err)
		}
		progressSeen[c.role] = ch
	}
	t.Run("minio and worker: an upload becomes a job", func(t *testing.T) {
		ev := map[string]any{"EventName": "s3:ObjectCreated:Put", "Records": []any{map[string]any{
			"eventName": "s3:ObjectCreated:Put",
			"s3":        map[string]any{"bucket": map[string]any{"name": "audio"}, "object": map[string]any{"key": "up/perm.wav", "eTag": "0123abcd", "size": 10}},
		}}}
		data, _ := json.Marshal(ev)
		if _, err := minio.js.Publish(ctx, cfg.Uploads.Subject, data); err != nil {
			t.Fatalf("JetStream publish of an S3 event as minio: %v", err)
		}
		// S3 is unreachable here: the job is retried, then dead-lettered
		// (MAX_DELIVER 2) — which proves it was created and pulled.
		waitDeadLetter(t, admin, qc, upID, 45*time.Second)
	})
	t.Run("worker, publisher and reader: progress", func(t *testing.T) {
		for role, ch := range progressSeen {
			select {
			case p := <-ch:
				if p.Stage != job.StageFetch || p.Worker != "deploy-test" {
					t.Errorf("%s got progress %+v, want the fetch stage from deploy-test", role, p)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("%s got no progress of job %s", role, upID)
			}
		}
	})

	// What each role must not do. Every case must fail, and the server
	// must say it was for lack of permission on that subject.
	advisory := "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + qc.JobsStream + "." + qc.Consumer
	forge := func(c *natsClient) func(context.Context) error {
		return func(ctx context.Context) error {
			data, _ := json.Marshal(map[string]any{"stream": qc.ResultsStream, "consumer": qc.Consumer, "stream_seq": 1, "deliveries": 8})
			if err := c.nc.Publish(advisory, data); err != nil {
				return err
			}
			if err := c.nc.FlushWithContext(ctx); err != nil {
				return err
			}
			return waitErr(ctx, c, advisory)
		}
	}
	subscribe := func(c *natsClient, subject string) func(context.Context) error {
		return func(ctx context.Context) error {
			sub, err := c.nc.SubscribeSync(subject)
			if err != nil {
				return err
			}
			defer sub.Unsubscribe()
			if err := c.nc.FlushWithContext(ctx); err != nil {
				return err
			}
			return waitErr(ctx, c, subject)
		}
	}
	publishCore := func(c *natsClient, subject string) func(context.Context) error {
		return func(ctx context.Context) error {
			if err := c.nc.Publish(subject, []byte(`{"job_id":"forged","stage":"fetch"}`)); err != nil {
				return err
			}
			if err := c.nc.FlushWithContext(ctx); err != nil {
				return err
			}
			return waitErr(ctx, c, subject)
		}
	}
	publish := func(c *natsClient, subject string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.js.Publish(ctx, subject, []byte(`{"job_id":"forged"}`))
			return err
		}
	}
	api := func(c *natsClient, subject string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.nc.RequestWithContext(ctx, subject, []byte(`{"seq":1}`))
			return err
		}
	}
	consume := func(c *natsClient) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.js.Consumer(ctx, qc.JobsStream, qc.Consumer)
			return err
		}
	}
	// The worker user, on a connection of its own: beyond its run-time
	// needs it may not touch RESULTS, the DLQ or other streams.
	wc := connectAs(t, url, "worker")
	refusals := []struct {
		c       *natsClient
		what    string
		subject string
		op      func(context.Context) error
	}{
		{publisher, "consume jobs", "$JS.API.CONSUMER.INFO." + qc.JobsStream + "." + qc.Consumer, consume(publisher)},
		{publisher, "publish a result", qc.ResultSubject("forged"), publish(publisher, qc.ResultSubject("forged"))},
		{publisher, "read the DLQ", "$JS.API.STREAM.INFO." + qc.DLQStream, api(publisher, "$JS.API.STREAM.INFO."+qc.DLQStream)},
		{publisher, "delete a stream", "$JS.API.STREAM.DELETE." + qc.ResultsStream, api(publisher, "$JS.API.STREAM.DELETE."+qc.ResultsStream)},
		{publisher, "forge a max-deliveries advisory", advisory, forge(publisher)},
		{publisher, "publish an upload event", cfg.Uploads.Subject, publish(publisher, cfg.Uploads.Subject)},
		{reader, "submit a job", qc.JobsSubject, publish(reader, qc.JobsSubject)},
		{reader, "consume jobs", "$JS.API.CONSUMER.INFO." + qc.JobsStream + "." + qc.Consumer, consume(reader)},
		{reader, "listen to results in flight", qc.ResultsSubjectPrefix + ".>", subscribe(reader, qc.ResultsSubjectPrefix+".>")},
		{reader, "forge a job's progress", qc.ProgressSubject("forged"), publishCore(reader, qc.ProgressSubject("forged"))},
		{publisher, "forge a job's progress", qc.ProgressSubject("forged"), publishCore(publisher, qc.ProgressSubject("forged"))},
		{minio, "listen to progress", qc.ProgressSubjectPrefix + ".>", subscribe(minio, qc.ProgressSubjectPrefix+".>")},
		{minio, "submit a job", qc.JobsSubject, publish(minio, qc.JobsSubject)},
		{minio, "listen to jobs", qc.JobsSubject, subscribe(minio, qc.JobsSubject)},
		{wc, "delete a stored result", "$JS.API.STREAM.MSG.DELETE." + qc.ResultsStream, api(wc, "$JS.API.STREAM.MSG.DELETE."+qc.ResultsStream)},
		{wc, "purge RESULTS", "$JS.API.STREAM.PURGE." + qc.ResultsStream, api(wc, "$JS.API.STREAM.PURGE."+qc.ResultsStream)},
		{wc, "delete JOBS", "$JS.API.STREAM.DELETE." + qc.JobsStream, api(wc, "$JS.API.STREAM.DELETE."+qc.JobsStream)},
		{wc, "read the DLQ", "$JS.API.STREAM.MSG.GET." + qc.DLQStream, api(wc, "$JS.API.STREAM.MSG.GET."+qc.DLQStream)},
		{wc, "create another consumer on JOBS", "$JS.API.CONSUMER.CREATE." + qc.JobsStream + ".spy", api(wc, "$JS.API.CONSUMER.CREATE."+qc.JobsStream+".spy")},
		{wc, "forge a max-deliveries advisory", advisory, forge(wc)},
		{wc, "publish an upload event", cfg.Uploads.Subject, publish(wc, cfg.Uploads.Subject)},
		{wc, "create a stream", "$JS.API.STREAM.CREATE.SPY", api(wc, "$JS.API.STREAM.CREATE.SPY")},
		{wc, "update RESULTS (e.g. MaxAge 1s)", "$JS.API.STREAM.UPDATE." + qc.ResultsStream, api(wc, "$JS.API.STREAM.UPDATE."+qc.ResultsStream)},
		{wc, "update its own consumer", "$JS.API.CONSUMER.CREATE." + qc.JobsStream + "." + qc.Consumer, api(wc, "$JS.API.CONSUMER.CREATE."+qc.JobsStream+"."+qc.Consumer)},
		{wc, "delete a message of UPLOADS", "$JS.API.STREAM.MSG.DELETE." + cfg.Uploads.Stream, api(wc, "$JS.API.STREAM.MSG.DELETE."+cfg.Uploads.Stream)},
		{wc, "listen on the default inbox", "_INBOX.>", subscribe(wc, "_INBOX.>")},
		{wc, "cancel a job", "$KV." + qc.CancelBucket + ".forged", publish(wc, "$KV."+qc.CancelBucket+".forged")},
		{wc, "purge the cancellation bucket", "$JS.API.STREAM.PURGE.KV_" + qc.CancelBucket, api(wc, "$JS.API.STREAM.PURGE.KV_"+qc.CancelBucket)},
		{reader, "cancel a job", "$KV." + qc.CancelBucket + ".forged", publish(reader, "$KV."+qc.CancelBucket+".forged")},
		{publisher, "delete the cancellation bucket", "$JS.API.STREAM.DELETE.KV_" + qc.CancelBucket, api(publisher, "$JS.API.STREAM.DELETE.KV_"+qc.CancelBucket)},
		{publisher, "shorten the cancellations' TTL", "$JS.API.STREAM.UPDATE.KV_" + qc.CancelBucket, api(publisher, "$JS.API.STREAM.UPDATE.KV_"+qc.CancelBucket)},
		{publisher, "listen on the worker's inbox (pulled jobs)", "_INBOX_worker.>", subscribe(publisher, "_INBOX_worker.>")},
		{reader, "listen on the publisher's inbox", "_INBOX_publisher.>", subscribe(reader, "_INBOX_publisher.>")},
		{minio, "listen on the worker's inbox", "_INBOX_worker.>", subscribe(minio, "_INBOX_worker.>")},
	}
	t.Run("refused", func(t *testing.T) {
		for _, tc := range refusals {
			t.Run(tc.c.role+" may not "+tc.what, func(t *testing.T) {
				t.Parallel()
				octx, ocancel := context.WithTimeout(ctx, 2*time.Second)
				defer ocancel()
				if err := tc.op(octx); err == nil {
					t.Fatalf("%s could %s (%s)", tc.c.role, tc.what, tc.subject)
				}
				if !tc.c.v.seen(tc.subject, 3*time.Second) {
					t.Errorf("%s: %s failed, but the server reported no permissions violation on %q (saw %v)", tc.c.role, tc.what, tc.subject, tc.c.v.all())
				}
			})
		}
	})

	stopWorker()
	// The worker did all of the above without a single refusal.
	for _, line := range strings.Split(wlog.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "permission") {
			t.Errorf("worker log: %s", line)
		}
	}
	if v := admin.v.all(); len(v) > 0 {
		t.Errorf("admin was refused: %v", v)
	}
}

// waitErr turns an asynchronous permissions violation on subject into an
// error, or returns nil when none arrives before ctx ends.
func waitErr(ctx context.Context, c *natsClient, subject string) error {
	d := time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	if c.v.seen(subject, d) {
		return errors.New("permissions violation")
	}
	return nil
}
