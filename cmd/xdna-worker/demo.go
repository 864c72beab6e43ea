package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	natsembed "github.com/xdna-worker/xdna-worker/queue/embedded"
	"github.com/xdna-worker/xdna-worker/storage"
	s3embed "github.com/xdna-worker/xdna-worker/storage/embedded"
	"github.com/xdna-worker/xdna-worker/worker"
)

// demo runs NATS, an S3 endpoint and one worker in this process, submits
// the files (or a generated tone) and prints each result as JSON.
func demo(ctx context.Context, files []string, stdout io.Writer, stderr *os.File) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "xdna-worker demo:", err)
		return 1
	}
	ns, err := natsembed.Start()
	if err != nil {
		return fail(err)
	}
	defer ns.Close()
	s3, err := s3embed.Start(ctx)
	if err != nil {
		return fail(err)
	}
	defer s3.Close(context.Background())

	environ := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		environ[k] = v
	}
	sc := s3.Config()
	environ["NATS_URL"] = ns.URL()
	environ["S3_ENDPOINT"], environ["S3_ACCESS_KEY"], environ["S3_SECRET_KEY"] = sc.Endpoint, sc.AccessKey, sc.SecretKey
	environ["S3_USE_TLS"] = "false"
	environ["WORKER_ID"] = "demo"
	if environ["LOG_LEVEL"] == "" {
		environ["LOG_LEVEL"] = "warn"
	}
	cfg, err := worker.LoadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "xdna-worker demo: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if cfg.WhisperModel == "" && cfg.Device == "auto" {
		fmt.Fprintln(stderr, "xdna-worker demo: no WHISPER_MODEL set: using the sim device (NPU timing model; transcripts are empty)")
	}
	w, err := worker.Open(ctx, cfg, log)
	if err != nil {
		return fail(err)
	}
	defer w.Close()
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()
	defer func() { stopRun(); <-ran }()

	st, err := storage.New(sc)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	const bucket = "audio"
	if err := st.EnsureBucket(ctx, bucket); err != nil {
		return fail(err)
	}
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fail(err)
		}
		inputs = append(inputs, input{filepath.Base(f), b})
	}
	if len(inputs) == 0 {
		var b bytes.Buffer
		wav.Write(&b, pipeline.Tone(5, 440), pipeline.SampleRate)
		inputs = append(inputs, input{"tone-440hz-5s.wav", b.Bytes()})
	}

	qc := cfg.Queue()
	js, err := jetstream.New(w.Conn())
	if err != nil {
		return fail(err)
	}
	pub := queue.NewPublisher(js, qc)
	var ids []string
	for i, in := range inputs {
		id := fmt.Sprintf("demo-%d", i+1)
		ref := job.ObjectRef{Bucket: bucket, Key: "demo/" + in.name}
		if err := st.Put(ctx, bucket, ref.Key, bytes.NewReader(in.data), int64(len(in.data)), "audio/wav"); err != nil {
			return fail(err)
		}
		if err := pub.Submit(ctx, &job.Job{ID: id, Audio: ref, Metadata: json.RawMessage(fmt.Sprintf(`{"file":%q}`, in.name))}); err != nil {
			return fail(err)
		}
		ids = append(ids, id)
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	failed := 0
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	err = queue.Await(wctx, js, qc, ids, func(r *job.Result) {
		enc.Encode(r)
		if r.Status != job.StatusSucceeded {
			failed++
		}
	})
	if err != nil {
		return fail(fmt.Errorf("waiting for results: %w", err))
	}
	if failed > 0 {
		return fail(fmt.Errorf("%d of %d jobs failed", failed, len(ids)))
	}
	return 0
}
