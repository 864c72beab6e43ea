package worker_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// TestUploadBecomesTranscript: real MinIO with its NATS JetStream target,
// real NATS, a real worker. Putting an object into the bucket is all it
// takes: its transcripts appear next to it, and they are not transcribed
// in turn.
func TestUploadBecomesTranscript(t *testing.T) {
	e := newEnvWith(t, func(ns *natstest.Server) []miniotest.Option {
		u, _ := url.Parse(ns.URL())
		return []miniotest.Option{miniotest.WithEnv(
			"MINIO_NOTIFY_NATS_ENABLE_XDNA=on",
			"MINIO_NOTIFY_NATS_ADDRESS_XDNA="+u.Host,
			"MINIO_NOTIFY_NATS_SUBJECT_XDNA="+queue.DefaultUploadsSubject,
			"MINIO_NOTIFY_NATS_JETSTREAM_XDNA=on",
		)}
	})
	ctx := context.Background()
	w, _ := e.startWorker(nil) // provisions UPLOADS; uploads are on by default
	if err := e.store.NotifyUploads(ctx, bucket, "arn:minio:sqs::XDNA:nats"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(2, 440), pipeline.SampleRate)
	key := "inbox/2026/11/team call.wav"
	e.put(key, b.Bytes())
	info, err := e.store.Stat(ctx, bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	id := queue.UploadJobID(bucket, key, queue.UploadVersion(info.ETag, info.VersionID))

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var res *job.Result
	if err := queue.Await(wctx, e.js, e.qc, []string{id}, func(r *job.Result) { res = r }); err != nil {
		t.Fatalf("no result for the upload (job %s): %v\n%s", id, err, e.logs.String())
	}
	if res.Status != job.StatusSucceeded || res.DurationS < 1.9 {
		t.Fatalf("result %+v", res)
	}
	for _, f := range []string{"json", "txt", "srt", "vtt"} {
		if _, err := e.store.Stat(ctx, bucket, key+"."+f); err != nil {
			t.Errorf("transcript %s.%s: %v", key, f, err)
		}
	}
	if !strings.Contains(string(res.Metadata), `"key":"inbox/2026/11/team call.wav"`) {
		t.Errorf("metadata %s does not name the upload", res.Metadata)
	}
	// The four transcript files were announced too, and skipped as the
	// worker's own output: no job for them, now or later.
	deadline := time.Now().Add(10 * time.Second)
	for metric(t, w, `xdna_uploads_total{outcome="own_output"}`) < 4 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := metric(t, w, `xdna_uploads_total{outcome="own_output"}`); n != 4 {
		t.Fatalf("own_output = %v, want the 4 transcripts", n)
	}
	if n := metric(t, w, `xdna_uploads_total{outcome="submitted"}`); n != 1 {
		t.Fatalf("submitted = %v, want 1", n)
	}
	if n := metric(t, w, `xdna_jobs_total{code="ok",status="succeeded"}`); n != 1 {
		t.Fatalf("%v jobs succeeded, want 1", n)
	}
	// A notification that is not an S3 event is dead-lettered, and counted
	// with the worker's other dead letters.
	if _, err := e.js.Publish(ctx, queue.DefaultUploadsSubject, []byte("not an event")); err != nil {
		t.Fatal(err)
	}
	for metric(t, w, `xdna_dead_letters_total{reason="upload"}`) < 1 && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := metric(t, w, `xdna_dead_letters_total{reason="upload"}`); n != 1 {
		t.Fatalf("xdna_dead_letters_total{reason=\"upload\"} = %v, want 1", n)
	}
	if n := metric(t, w, `xdna_uploads_total{outcome="dead_letter"}`); n != 1 {
		t.Fatalf("dead_letter uploads = %v, want 1", n)
	}
}

// metric reads one series of the worker's /metrics (0 when absent).
func metric(t *testing.T, w *worker.Worker, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if name, val, ok := strings.Cut(line, " "); ok && name == series {
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return 0
}
