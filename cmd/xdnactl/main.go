// Command xdnactl is the client of an xdna-worker fleet: submit audio, watch
// results, and load-test the fleet.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/loadtest"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/whisper"
)

const usage = `usage: xdnactl <command> [flags]

commands:
  submit [--wait] [--bucket B] [--language L] [--task T] FILE...   upload audio and publish jobs
  watch [--from-start] [JOB_ID...]                                   follow results as JSON lines
  loadtest --concurrency N --jobs M [--json] FILE                    load-test the fleet
  dlq list [--json] | dlq replay SEQ...|--all | dlq purge SEQ...|--all
                                                                     dead letters: inspect, re-enqueue, delete
  upload [--wait] FILE BUCKET/KEY                                    put a file into storage as is; with bucket
                                                                     notifications on, the fleet transcribes it (--wait: print the result)
  bucket create NAME...                                              create buckets (idempotent)
  bucket notify ARN BUCKET...                                        announce uploads to a notification target,
                                                                     e.g. arn:minio:sqs::XDNA:nats (idempotent)
  transcribe --model M [--language L] [--task T] [--prompt P] FILE   run the pipeline locally, print the result
  decode [--out F] [--repeat N] FILE                                 decode locally: format, codec, rate, channels, speed;
                                                                     --out writes the worker's 16 kHz mono f32 input
  logits --model M --tokens t1,t2,... --out F FILE                   teacher-forced logits (steps × n_vocab f32 LE)

Connection settings come from the worker's environment variables
(NATS_URL, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, ...); flags override.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "xdnactl: configuration:", err)
		return 2
	}
	var cmd func(context.Context, *config, []string, io.Writer, io.Writer) error
	switch args[0] {
	case "submit":
		cmd = submit
	case "watch":
		cmd = watch
	case "loadtest":
		cmd = loadTest
	case "bucket":
		cmd = bucket
	case "upload":
		cmd = uploadFile
	case "dlq":
		cmd = dlq
	case "transcribe", "logits", "decode":
		local := transcribe
		switch args[0] {
		case "logits":
			local = logits
		case "decode":
			local = decodeCmd
		}
		if err := local(ctx, args[1:], stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "xdnactl:", err)
			var ue usageError
			if errors.As(err, &ue) || errors.Is(err, whisper.ErrModel) {
				return 2
			}
			return 1
		}
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "xdnactl: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, &cfg, args[1:], stdout, stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "xdnactl:", err)
			return 2
		}
		fmt.Fprintln(stderr, "xdnactl:", err)
		return 1
	}
	return 0
}

type usageError struct{ error }

func parse(fs *flag.FlagSet, cfg *config, args []string) error {
	cfg.flags(fs)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if err := cfg.validate(); err != nil {
		return usageError{err}
	}
	return nil
}

// connect opens the broker connection and JetStream context.
func connect(ctx context.Context, cfg *config) (*nats.Conn, jetstream.JetStream, error) {
	// Only warnings: a CLI's stderr is for the user, not for connection chatter.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	nc, err := queue.Connect(ctx, cfg.queue(), queue.ConnectLogger(log))
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// newJobID makes a job id from a file name and a random suffix.
func newJobID(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	base = strings.Trim(unsafeID.ReplaceAllString(base, "-"), "-.")
	if len(base) > 80 {
		base = base[:80]
	}
	if base == "" {
		base = "audio"
	}
	var b [6]byte
	rand.Read(b[:])
	return base + "-" + hex.EncodeToString(b[:])
}

// upload puts a local file into the bucket under uploads/<date>/<id>.<ext>,
// with the content type of the format its content shows (the worker
// recognises the format by content too; the type is for other readers). A
// progress bar on progress shows the bytes sent, when it is a terminal.
func upload(ctx context.Context, st *storage.Client, bucket, file, id string, progress io.Writer) (job.ObjectRef, error) {
	f, err := os.Open(file)
	if err != nil {
		return job.ObjectRef{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return job.ObjectRef{}, err
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return job.ObjectRef{}, err
	}
	ref := job.ObjectRef{Bucket: bucket, Key: time.Now().UTC().Format("uploads/2006/01/02/") + id + filepath.Ext(file)}
	var body io.Reader = f
	if isTerminal(progress) {
		bar := progressbar.NewOptions64(fi.Size(), progressbar.OptionSetWriter(progress), progressbar.OptionSetDescription(filepath.Base(file)),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
		defer bar.Finish()
		body = io.TeeReader(f, bar)
	}
	if err := st.Put(ctx, ref.Bucket, ref.Key, body, fi.Size(), contentType(audio.Sniff(head[:n]))); err != nil {
		return job.ObjectRef{}, fmt.Errorf("upload %s: %w", file, err)
	}
	return ref, nil
}

// contentType is the MIME type of a recognised format.
func contentType(f audio.Format) string {
	switch f {
	case audio.FormatWAV:
		return "audio/wav"
	case audio.FormatFLAC:
		return "audio/flac"
	case audio.FormatMP3:
		return "audio/mpeg"
	case audio.FormatOgg:
		return "audio/ogg"
	case audio.FormatMatroska:
		return "audio/webm"
	case audio.FormatMP4:
		return "audio/mp4"
	case audio.FormatADTS:
		return "audio/aac"
	}
	return "application/octet-stream"
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func submit(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	wait := fs.Bool("wait", false, "wait for each result and print it as one JSON line")
	language := fs.String("language", "", "language code, or auto")
	task := fs.String("task", "", "transcribe or translate")
	timeout := fs.Duration("timeout", 30*time.Minute, "with --wait, give up after this long")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("submit needs at least one FILE")}
	}
	st, err := storage.New(cfg.storage())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.EnsureBucket(ctx, cfg.Bucket); err != nil {
		return err
	}
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := queue.Provision(ctx, js, cfg.queue()); err != nil {
		return err
	}
	pub := queue.NewPublisher(js, cfg.queue())
	var ids []string
	files := map[string]string{} // job id → file
	submitted := map[string]time.Time{}
	for _, file := range fs.Args() {
		id := newJobID(file)
		ref, err := upload(ctx, st, cfg.Bucket, file, id, stderr)
		if err != nil {
			return err
		}
		if err := pub.Submit(ctx, &job.Job{ID: id, Audio: ref, Language: *language, Task: *task}); err != nil {
			return err
		}
		ids = append(ids, id)
		files[id], submitted[id] = file, time.Now()
		if !*wait {
			fmt.Fprintln(stdout, id)
		} else {
			fmt.Fprintf(stderr, "%s: queued as %s\n", file, id)
		}
	}
	if !*wait {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	failed := 0
	enc := json.NewEncoder(stdout)
	err = queue.Await(wctx, js, cfg.queue(), ids, func(r *job.Result) {
		enc.Encode(r)
		took := time.Since(submitted[r.JobID]).Round(10 * time.Millisecond)
		if r.Status != job.StatusSucceeded {
			failed++
			fmt.Fprintf(stderr, "%s: failed after %v: %s: %s\n", files[r.JobID], took, r.Error.Code, r.Error.Message)
			return
		}
		fmt.Fprintf(stderr, "%s: done in %v (%.1f s of audio, %d segments)\n", files[r.JobID], took, r.DurationS, len(r.Segments))
	})
	if err != nil {
		return fmt.Errorf("waiting for results: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d jobs failed", failed, len(ids))
	}
	return nil
}

// uploadFile puts a file into storage without publishing a job: with bucket
// notifications on, the upload itself becomes the job. With --wait it
// derives that job's id the way the workers do and waits for its result.
func uploadFile(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	wait := fs.Bool("wait", false, "wait for the transcript of the upload and print the result")
	timeout := fs.Duration("timeout", 30*time.Minute, "with --wait, give up after this long")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	bucketName, key, ok := strings.Cut(fs.Arg(1), "/")
	if fs.NArg() != 2 || !ok || bucketName == "" || key == "" {
		return usageError{errors.New("usage: upload [--wait] FILE BUCKET/KEY")}
	}
	file := fs.Arg(0)
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	st, err := storage.New(cfg.storage())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Put(ctx, bucketName, key, f, fi.Size(), contentType(audio.Sniff(head[:n]))); err != nil {
		return err
	}
	info, err := st.Stat(ctx, bucketName, key)
	if err != nil {
		return err
	}
	id := queue.UploadJobID(bucketName, key, queue.UploadVersion(info.ETag, info.VersionID))
	if !*wait {
		fmt.Fprintln(stdout, id)
		return nil
	}
	fmt.Fprintf(stderr, "%s: uploaded to %s/%s; waiting for job %s\n", file, bucketName, key, id)
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var res *job.Result
	if err := queue.Await(wctx, js, cfg.queue(), []string{id}, func(r *job.Result) { res = r }); err != nil {
		return fmt.Errorf("waiting for the transcript of %s/%s (job %s; are the bucket's notifications on?): %w", bucketName, key, id, err)
	}
	json.NewEncoder(stdout).Encode(res)
	if res.Status != job.StatusSucceeded {
		return fmt.Errorf("job %s failed: %s", id, res.Error.Code)
	}
	return nil
}

func watch(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fromStart := fs.Bool("from-start", false, "print the results already stored, then follow")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	opts := []queue.WatchOption{}
	if *fromStart {
		opts = append(opts, queue.WatchFromStart())
	}
	if fs.NArg() > 0 {
		opts = append(opts, queue.WatchJobs(fs.Args()...))
	}
	enc := json.NewEncoder(stdout)
	err = queue.Watch(ctx, js, cfg.queue(), func(r *job.Result, _ jetstream.Msg) error {
		return enc.Encode(r)
	}, opts...)
	if ctx.Err() != nil {
		return nil // interrupted: the normal way to stop watching
	}
	return err
}

func loadTest(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	concurrency := fs.Int("concurrency", 4, "jobs outstanding at once")
	jobs := fs.Int("jobs", 100, "jobs in total")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up on missing results after this long")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("loadtest needs exactly one FILE")}
	}
	file := fs.Arg(0)
	seconds, err := audioSeconds(file)
	if err != nil {
		return err
	}
	st, err := storage.New(cfg.storage())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.EnsureBucket(ctx, cfg.Bucket); err != nil {
		return err
	}
	ref, err := upload(ctx, st, cfg.Bucket, file, newJobID(file), io.Discard)
	if err != nil {
		return err
	}
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := queue.Provision(ctx, js, cfg.queue()); err != nil {
		return err
	}
	lc := loadtest.Config{Concurrency: *concurrency, Jobs: *jobs, Audio: ref, AudioSeconds: seconds, Timeout: *timeout}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !*asJSON {
		bar := progressbar.NewOptions(*jobs, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("jobs"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		lc.Progress = func(done, _ int) { bar.Set(done) }
	}
	rep, err := loadtest.Run(ctx, js, cfg.queue(), lc)
	if rep != nil {
		if *asJSON {
			e := json.NewEncoder(stdout)
			e.SetIndent("", "  ")
			e.Encode(rep)
		} else {
			printReport(stdout, rep)
		}
	}
	if err != nil {
		return err
	}
	if rep.Succeeded != rep.Jobs {
		return fmt.Errorf("%d of %d jobs did not succeed", rep.Jobs-rep.Succeeded, rep.Jobs)
	}
	return nil
}

func audioSeconds(file string) (float64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec, err := pipeline.OpenAudio(context.Background(), f, 0, ffmpegOption()...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", file, err)
	}
	defer dec.Close()
	if d, ok := dec.Duration(); ok {
		return d.Seconds(), nil
	}
	// No declared length (a streamed or compressed file): count.
	var n int64
	buf := make([]float32, 1<<14)
	for {
		k, err := dec.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) {
			return float64(n) / pipeline.SampleRate, nil
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", file, err)
		}
	}
}

func printReport(w io.Writer, r *loadtest.Report) {
	fmt.Fprintf(w, "load test %s: %d jobs at concurrency %d\n", r.RunID, r.Jobs, r.Concurrency)
	fmt.Fprintf(w, "  success rate    %.1f %% (%d succeeded, %d failed, %d missing, %d duplicate results)\n", 100*r.SuccessRate, r.Succeeded, r.Failed, r.Missing, r.Duplicates)
	fmt.Fprintf(w, "  elapsed         %.2f s\n", r.ElapsedS)
	fmt.Fprintf(w, "  throughput      %.2f jobs/s, %.1f audio-s/s\n", r.JobsPerSec, r.AudioSecPerSec)
	fmt.Fprintf(w, "  latency         p50 %.0f ms  p95 %.0f ms  p99 %.0f ms  max %.0f ms\n", r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max)
	fmt.Fprintf(w, "  queue wait      p50 %.0f ms  p95 %.0f ms  p99 %.0f ms  max %.0f ms\n", r.QueueWait.P50, r.QueueWait.P95, r.QueueWait.P99, r.QueueWait.Max)
	for code, n := range r.Failures {
		fmt.Fprintf(w, "  failed %-16s %d\n", code, n)
	}
	for wk, n := range r.Workers {
		fmt.Fprintf(w, "  worker %-16s %d jobs\n", wk, n)
	}
}

// bucket creates buckets: `xdnactl bucket create NAME...` (idempotent), for
// setting up storage where no other S3 client is at hand (scratch images).
func bucket(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bucket", flag.ContinueOnError)
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	create := fs.NArg() >= 2 && fs.Arg(0) == "create"
	notify := fs.NArg() >= 3 && fs.Arg(0) == "notify"
	if !create && !notify {
		return usageError{errors.New("usage: bucket create NAME... | bucket notify ARN BUCKET...")}
	}
	st, err := storage.New(cfg.storage())
	if err != nil {
		return err
	}
	defer st.Close()
	if notify {
		arn := fs.Arg(1)
		for _, name := range fs.Args()[2:] {
			if err := retryUntil(ctx, 60*time.Second, func() error { return st.NotifyUploads(ctx, name, arn) }); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
			fmt.Fprintln(stdout, "bucket", name, "announces uploads to", arn)
		}
		return nil
	}
	for _, name := range fs.Args()[1:] {
		if err := retryUntil(ctx, 60*time.Second, func() error { return st.EnsureBucket(ctx, name) }); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
		fmt.Fprintln(stdout, "bucket", name, "ready")
	}
	return nil
}

// retryUntil retries fn once a second until it succeeds or d passes, so a
// one-shot setup container can start before storage is up.
func retryUntil(ctx context.Context, d time.Duration, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}
