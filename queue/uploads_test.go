package queue_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/notification"
	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
)

// minioWithNATS starts MinIO with a bucket-notification target publishing
// to natsURL's JetStream on subject, and returns a client of it.
func minioWithNATS(t *testing.T, natsURL, subject string) (*miniotest.Server, *minio.Client) {
	t.Helper()
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	srv := miniotest.Start(t, miniotest.WithEnv(
		"MINIO_NOTIFY_NATS_ENABLE_XDNA=on",
		"MINIO_NOTIFY_NATS_ADDRESS_XDNA="+u.Host,
		"MINIO_NOTIFY_NATS_SUBJECT_XDNA="+subject,
		"MINIO_NOTIFY_NATS_JETSTREAM_XDNA=on",
	))
	mc, err := minio.New(srv.Endpoint(), &minio.Options{Creds: credentials.NewStaticV4(miniotest.RootUser, miniotest.RootPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	return srv, mc
}

// notifyUploads makes bucket announce every created object to the NATS
// target of minioWithNATS.
func notifyUploads(t *testing.T, mc *minio.Client, bucket string) {
	t.Helper()
	ctx := testCtx(t)
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	qc := notification.NewConfig(notification.NewArn("minio", "sqs", "", "XDNA", "nats"))
	qc.AddEvents(notification.ObjectCreatedAll)
	cfg := notification.Configuration{}
	cfg.AddQueue(qc)
	// MinIO registers its NATS target after it starts answering: until
	// then it says the ARN does not exist (InvalidArgument).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		err := mc.SetBucketNotification(ctx, bucket, cfg)
		if err == nil {
			return
		}
		if minio.ToErrorResponse(err).Code != "InvalidArgument" || time.Now().After(deadline) {
			t.Fatalf("set bucket notification: %v", err)
		}
	}
}

// TestUploadsBecomeJobs: MinIO configured with its NATS JetStream target
// announces uploads; the uploads loop turns each into exactly one job and
// leaves out what is not audio to transcribe.
func TestUploadsBecomeJobs(t *testing.T) {
	e := setup(t, queue.Config{})
	uc := queue.UploadsConfig{}.WithDefaults()
	if err := queue.ProvisionUploads(testCtx(t), e.js, uc, e.cfg); err != nil {
		t.Fatal(err)
	}
	_, mc := minioWithNATS(t, e.srv.URL(), uc.Subject)
	notifyUploads(t, mc, "audio")

	var mu sync.Mutex
	outcomes := map[queue.UploadOutcome]int{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		queue.NewUploads(e.js, e.cfg, uc, discardLogger(), func(o queue.UploadOutcome) {
			mu.Lock()
			outcomes[o]++
			mu.Unlock()
		}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	put := func(key string, body []byte, meta map[string]string) {
		t.Helper()
		if _, err := mc.PutObject(testCtx(t), "audio", key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{UserMetadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	put("2026/11/call 0001.mp3", []byte("not really mp3, the worker judges that"), nil)
	put("2026/11/call 0001.mp3", []byte("not really mp3, the worker judges that"), nil) // same content: same ETag, same job
	put("2026/11/call 0001.mp3.json", []byte("{}"), map[string]string{queue.MetaOutputOf: "up-x"})
	put("notes/marked.bin", []byte("x"), map[string]string{queue.MetaOutputOf: "up-y"})

	in := e.intake(t)
	d := next(t, in, 20*time.Second)
	j, err := job.Parse(d.Data())
	if err != nil {
		t.Fatal(err)
	}
	d.Ack(testCtx(t))
	want := queue.UploadJobID("audio", "2026/11/call 0001.mp3", "e"+etag(t, mc, "audio", "2026/11/call 0001.mp3"))
	if j.ID != want || j.Audio.Key != "2026/11/call 0001.mp3" || j.Output == nil || j.Output.Prefix != "2026/11/call 0001.mp3" {
		t.Fatalf("job %+v, want id %s", j, want)
	}
	// Every notification is handled, and nothing else became a job.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := outcomes[queue.UploadSubmitted] + outcomes[queue.UploadOwnOutput]
		mu.Unlock()
		if n >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	if outcomes[queue.UploadSubmitted] != 2 || outcomes[queue.UploadOwnOutput] != 2 {
		t.Fatalf("outcomes %v, want 2 submitted (deduplicated into one job) and 2 own outputs", outcomes)
	}
	mu.Unlock()
	if n := e.streamMsgs(t, e.cfg.JobsStream); n != 0 {
		t.Fatalf("%d more jobs in JOBS", n)
	}
	if n := e.streamMsgs(t, uc.Stream); n != 0 {
		t.Fatalf("%d notifications left in %s", n, uc.Stream)
	}
}

// TestUploadsDeadLetterGarbage: a message on the uploads subject that is
// not an S3 event goes to the DLQ, once.
func TestUploadsDeadLetterGarbage(t *testing.T) {
	e := setup(t, queue.Config{})
	uc := queue.UploadsConfig{}.WithDefaults()
	if err := queue.ProvisionUploads(testCtx(t), e.js, uc, e.cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.PublishMsg(testCtx(t), &nats.Msg{Subject: uc.Subject, Data: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var dead int
	var mu sync.Mutex
	go func() {
		defer close(done)
		queue.NewUploads(e.js, e.cfg, uc, discardLogger(), func(o queue.UploadOutcome) {
			mu.Lock()
			if o == queue.UploadDeadLetter {
				dead++
			}
			mu.Unlock()
		}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for e.streamMsgs(t, e.cfg.DLQStream) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.streamMsgs(t, e.cfg.DLQStream); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
	s, _ := e.js.Stream(testCtx(t), e.cfg.DLQStream)
	m, err := s.GetMsg(testCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Header.Get(queue.HeaderDLQReason); !strings.Contains(r, "not an S3 event") || string(m.Data) != "hello" {
		t.Fatalf("dead letter %q reason %q", m.Data, r)
	}
}

func etag(t *testing.T, mc *minio.Client, bucket, key string) string {
	t.Helper()
	info, err := mc.StatObject(testCtx(t), bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(info.ETag, `"`)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
