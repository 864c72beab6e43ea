package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/xdna-worker/xdna-worker/gateway"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// env is one test's real NATS server, real MinIO, a real worker running
// the cpu device on a tiny random model, and the gateway on httptest.
type env struct {
	t     *testing.T
	nats  *natstest.Server
	minio *miniotest.Server
	js    jetstream.JetStream
	store *storage.Client
	cfg   gateway.Config
	srv   *httptest.Server
	logs  *syncBuffer
}

const audioBucket = "audio"

// newEnv starts everything; over overrides the gateway's environment.
func newEnv(t *testing.T, over map[string]string) *env {
	t.Helper()
	return startEnv(t, over, true)
}

// newIdleEnv is newEnv without a worker: jobs wait in JOBS.
func newIdleEnv(t *testing.T, over map[string]string) *env {
	t.Helper()
	return startEnv(t, over, false)
}

func startEnv(t *testing.T, over map[string]string, withWorker bool, gopts ...gateway.Option) *env {
	t.Helper()
	e := &env{t: t, nats: natstest.Start(t), minio: miniotest.Start(t), logs: &syncBuffer{}}
	e.js = e.nats.JetStream(t)
	e.store = e.minio.Client(t)
	if err := e.store.EnsureBucket(context.Background(), audioBucket); err != nil {
		t.Fatal(err)
	}
	sc := e.minio.Config()
	base := map[string]string{"NATS_URL": e.nats.URL(), "S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey}
	wenv := map[string]string{
		"XDNA_DEVICE": "cpu", "WHISPER_MODEL": modelPath, "BEAM_SIZE": "1", "BEST_OF": "1", "FALLBACK": "false",
		"ACK_WAIT": "10s", "SHUTDOWN_TIMEOUT": "10s", "WORKER_ID": "w1", "XDNA_TEMP_DIR": t.TempDir(),
	}
	for k, v := range base {
		wenv[k] = v
	}
	wcfg, err := worker.LoadConfig(wenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.Provision(context.Background(), e.js, wcfg.Queue()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if withWorker {
		e.startWorker(wcfg, log)
	}

	genv := map[string]string{"GATEWAY_AUDIO_BUCKET": audioBucket}
	for k, v := range base {
		genv[k] = v
	}
	for k, v := range over {
		genv[k] = v
	}
	if e.cfg, err = gateway.LoadConfig(genv); err != nil {
		t.Fatal(err)
	}
	cancels, err := queue.OpenCancels(context.Background(), e.js, e.cfg.NATS)
	if err != nil {
		t.Fatal(err)
	}
	gopts = append([]gateway.Option{gateway.WithLogger(log.With("component", "gateway")), gateway.WithCancels(cancels)}, gopts...)
	e.srv = httptest.NewServer(gateway.New(e.cfg, e.js, e.store, gopts...))
	t.Cleanup(e.srv.Close) // registered last: runs before the worker stops
	return e
}

// startWorker runs a worker until the test ends.
func (e *env) startWorker(wcfg worker.Config, log *slog.Logger) {
	t := e.t
	t.Helper()
	w, err := worker.Open(context.Background(), wcfg, log.With("worker", "w1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("worker: Run: %v", err)
			}
			w.Close()
		})
	})
}

// client is the official OpenAI SDK pointed at the gateway.
func (e *env) client(opts ...option.RequestOption) openai.Client {
	return openai.NewClient(append([]option.RequestOption{
		option.WithBaseURL(e.srv.URL + "/v1/"), option.WithAPIKey("sk-test"),
	}, opts...)...)
}

// jfk is the shared fixture jfk.wav (11 s of speech), read at test time.
func jfk(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(whispertest.Fixture(t, whispertest.JFKWav))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// file is an upload for the SDK.
func file(data []byte, name, contentType string) io.Reader {
	return openai.File(bytes.NewReader(data), name, contentType)
}

// syncBuffer is a log sink for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// objects lists what the gateway left in its upload prefix.
func (e *env) objects(t *testing.T) []string {
	t.Helper()
	mc, err := minio.New(e.minio.Endpoint(), &minio.Options{Creds: credentials.NewStaticV4(miniotest.RootUser, miniotest.RootPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for o := range mc.ListObjects(context.Background(), audioBucket, minio.ListObjectsOptions{Prefix: "gateway/", Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// waitJobs waits until JOBS holds n messages.
func (e *env) waitJobs(t *testing.T, n uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := e.js.Stream(context.Background(), e.cfg.NATS.WithDefaults().JobsStream)
		if err != nil {
			t.Fatal(err)
		}
		if s.CachedInfo().State.Msgs >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("JOBS holds %d messages, want %d", s.CachedInfo().State.Msgs, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitNoObjects waits a little for the uploads to be removed (a canceled
// request removes its upload as it ends) and returns what is left.
func (e *env) waitNoObjects(t *testing.T) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		objects := e.objects(t)
		if len(objects) == 0 || time.Now().After(deadline) {
			return objects
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastMetadata is the metadata of the latest result in RESULTS.
func (e *env) lastMetadata(t *testing.T) string {
	t.Helper()
	s, err := e.js.Stream(context.Background(), e.cfg.NATS.WithDefaults().ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), info.State.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	var r job.Result
	if err := json.Unmarshal(m.Data, &r); err != nil {
		t.Fatal(err)
	}
	return string(r.Metadata)
}
