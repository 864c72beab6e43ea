package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/logbuf"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
	"github.com/xdna-worker/xdna-worker/worker"
)

// env is one test's real NATS server, real MinIO and client handles.
type env struct {
	t     *testing.T
	nats  *natstest.Server
	minio *miniotest.Server
	js    jetstream.JetStream
	store *storage.Client
	pub   *queue.Publisher
	qc    queue.Config
	logs  *logbuf.Buffer
}

const bucket = "audio"

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*natstest.Server) []miniotest.Option { return nil })
}

// newEnvWith is newEnv with MinIO options that may depend on the NATS
// server (a bucket-notification target pointing at it).
func newEnvWith(t *testing.T, minioOpts func(*natstest.Server) []miniotest.Option) *env {
	t.Helper()
	ns := natstest.Start(t)
	e := &env{t: t, nats: ns, minio: miniotest.Start(t, minioOpts(ns)...), logs: &logbuf.Buffer{}}
	e.js = e.nats.JetStream(t)
	e.store = e.minio.Client(t)
	if err := e.store.EnsureBucket(context.Background(), bucket); err != nil {
		t.Fatal(err)
	}
	cfg := e.config(nil)
	e.qc = cfg.Queue()
	if err := queue.Provision(context.Background(), e.js, e.qc); err != nil {
		t.Fatal(err)
	}
	e.pub = queue.NewPublisher(e.js, e.qc)
	return e
}

// config returns a worker configuration for this env, with overrides.
func (e *env) config(over map[string]string) worker.Config {
	e.t.Helper()
	sc := e.minio.Config()
	m := map[string]string{
		"NATS_URL": e.nats.URL(), "S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
		"XDNA_DEVICE": "sim", "XDNA_SIM_WINDOW_MS": "5", "XDNA_SIM_CONTEXTS": "2",
		"AUDIO_BUFFER_POOL_SIZE": "4", "MEL_BUFFER_POOL_SIZE": "4", "ENCODER_BUFFER_POOL_SIZE": "4",
		"ACK_WAIT": "10s", "RETRY_BACKOFF": "200ms", "SHUTDOWN_TIMEOUT": "10s", "WORKER_ID": "w1",
		"XDNA_TEMP_DIR": e.t.TempDir(),
	}
	for k, v := range over {
		m[k] = v
	}
	cfg, err := worker.LoadConfig(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

// startWorker opens and runs a worker until the test ends (or stop is
// called), returning it and a stop function that drains it.
func (e *env) startWorker(over map[string]string) (*worker.Worker, func()) {
	e.t.Helper()
	return e.startWorkerWith(over, worker.Open)
}

// startWorkerWith is startWorker with another way to open the worker (a
// test hook of worker_hooks_test.go).
func (e *env) startWorkerWith(over map[string]string, open func(context.Context, worker.Config, *slog.Logger) (*worker.Worker, error)) (*worker.Worker, func()) {
	e.t.Helper()
	cfg := e.config(over)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("worker", cfg.WorkerID)
	w, err := open(context.Background(), cfg, log)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("worker %s: Run: %v", cfg.WorkerID, err)
			}
			w.Close()
		})
	}
	e.t.Cleanup(stop)
	return w, stop
}

// put uploads data to the audio bucket.
func (e *env) put(key string, data []byte) job.ObjectRef {
	e.t.Helper()
	if err := e.store.Put(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
		e.t.Fatal(err)
	}
	return job.ObjectRef{Bucket: bucket, Key: key}
}

func (e *env) submit(j *job.Job) {
	e.t.Helper()
	if err := e.pub.Submit(context.Background(), j); err != nil {
		e.t.Fatal(err)
	}
}

// results waits until n distinct jobs have results (or timeout) and returns
// every result message seen per job id, duplicates included.
func (e *env) results(n int, timeout time.Duration) map[string][]*job.Result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got := map[string][]*job.Result{}
	errDone := errors.New("done")
	err := queue.Watch(ctx, e.js, e.qc, func(r *job.Result, _ jetstream.Msg) error {
		got[r.JobID] = append(got[r.JobID], r)
		if len(got) == n {
			return errDone
		}
		return nil
	}, queue.WatchFromStart())
	if !errors.Is(err, errDone) {
		e.t.Fatalf("results: %d of %d jobs after %v: %v", len(got), n, timeout, err)
	}
	return got
}

// streamMsgs returns the number of messages a stream holds.
func (e *env) streamMsgs(name string) uint64 {
	e.t.Helper()
	s, err := e.js.Stream(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State.Msgs
}

// consumerInfo returns the state of the normal lane's consumer, where the
// jobs of these tests (no priority) wait once routed.
func (e *env) consumerInfo() *jetstream.ConsumerInfo {
	e.t.Helper()
	return e.consumer(e.qc.LaneConsumer(job.PriorityNormal))
}

// routerInfo returns the state of the routers' shared consumer.
func (e *env) routerInfo() *jetstream.ConsumerInfo {
	e.t.Helper()
	return e.consumer(e.qc.Consumer)
}

func (e *env) consumer(name string) *jetstream.ConsumerInfo {
	e.t.Helper()
	c, err := e.js.Consumer(context.Background(), e.qc.JobsStream, name)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return info
}

// tone returns a 16 kHz mono 16-bit WAV of the given length.
func tone(seconds float64) []byte {
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(seconds, 440), pipeline.SampleRate)
	return b.Bytes()
}

func jobID(prefix string, i int) string { return prefix + "-" + strconv.Itoa(i) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func logJSON(w io.Writer, v any) {
	slog.New(slog.NewJSONHandler(w, nil)).Info("config", "config", v)
}

// randomModelFile writes a small random-weight Whisper model (real
// vocabulary size, 64-wide single layers) and returns its path.
func randomModelFile(t *testing.T) string {
	t.Helper()
	return randomModelFileDims(t, 64, 80)
}

// randomModelFileDims is randomModelFile with width state (2 heads, one
// layer each side) and nMels mel bins, named random-<state>x1-<nMels>.bin
// when it differs from randomModelFile's.
func randomModelFileDims(t *testing.T, state, nMels int) string {
	t.Helper()
	d := whispertest.Dims{NVocab: 51864, NAudioCtx: 1500, NAudioState: state, NAudioHead: 2, NAudioLayer: 1,
		NTextCtx: 448, NTextState: state, NTextHead: 2, NTextLayer: 1, NMels: nMels}
	name := "random-64x1.bin"
	if state != 64 || nMels != 80 {
		name = "random-" + strconv.Itoa(state) + "x1-" + strconv.Itoa(nMels) + ".bin"
	}
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := whispertest.WriteModel(f, whispertest.SyntheticHeader(d), d, ggml.F32, whispertest.RandomValue); err != nil {
		t.Fatal(err)
	}
	return p
}
