// Command xdnactl is the client of an xdna-worker fleet: submit audio, watch
// results, cancel jobs, and load-test the fleet.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/schollz/progressbar/v3"
	// Public CAs where the system has none (the FROM-scratch image).
	_ "golang.org/x/crypto/x509roots/fallback"
	"golang.org/x/term"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/buildinfo"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/loadtest"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/whisper"
)

// cli is xdnactl's command line. Flags may come before or after the
// arguments; every command has --help.
type cli struct {
	Version kong.VersionFlag `help:"Print the version and exit."`

	Submit     submitCmd     `cmd:"" help:"Upload audio and publish jobs; --wait prints each result as one JSON line."`
	Watch      watchCmd      `cmd:"" help:"Follow results as JSON lines (all, or the given jobs')."`
	Cancel     cancelCmd     `cmd:"" help:"Cancel jobs: a queued one ends canceled when picked up, a running one stops within a second."`
	Loadtest   loadtestCmd   `cmd:"" name:"loadtest" help:"Load-test the fleet with one file."`
	DLQ        dlqCmd        `cmd:"" name:"dlq" help:"Dead letters: list, replay into JOBS, purge."`
	Upload     uploadCmd     `cmd:"" help:"Put a file into storage as is; with bucket notifications on, the fleet transcribes it (--wait prints the result)."`
	Bucket     bucketCmd     `cmd:"" help:"Create buckets, or announce their uploads to a notification target."`
	Transcribe transcribeCmd `cmd:"" help:"Run the worker's pipeline on a local file, without NATS or storage, and print the result."`
	Decode     decodeCmd     `cmd:"" help:"Decode a local file: format, codec, rate, channels, speed; --out writes the worker's 16 kHz mono f32 input."`
	Logits     logitsCmd     `cmd:"" help:"Teacher-forced logits of a local file's first window (steps × n_vocab float32, little-endian)."`
	VAD        vadCmd        `cmd:"" name:"vad" help:"Speech segments of a local file (Silero VAD as whisper.cpp runs it); --probs-out writes the per-chunk probabilities."`
}

const description = `The client of an xdna-worker fleet: submit audio, watch results, cancel jobs,
load-test the fleet, manage dead letters, and run the worker's pipeline locally.

Connection settings come from the worker's environment variables (NATS_URL,
NATS_*, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_*, XDNACTL_BUCKET);
the connection flags override them.`

// app is what every command runs with.
type app struct {
	ctx            context.Context
	stdout, stderr io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs xdnactl with args and returns its exit status: 0, 1 when the
// command failed, 2 for a usage or configuration error (or a model file
// that cannot be used).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c cli
	parser, err := kong.New(&c, kong.Name("xdnactl"), kong.Description(description),
		kong.Vars{"version": "xdnactl " + buildinfo.Get().String()},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}))
	if err != nil {
		panic(err) // the grammar above is wrong
	}
	if len(args) == 0 {
		parse(parser, []string{"--help"}, stderr, stderr)
		return 2
	}
	kctx, code, done := parse(parser, args, stdout, stderr)
	if done {
		return code
	}
	err = kctx.Run(&app{ctx: ctx, stdout: stdout, stderr: stderr})
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "xdnactl:", err)
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, whisper.ErrModel) {
		return 2
	}
	return 1
}

// exitRequest is how kong's help and --version stop parsing in run, which
// must return rather than exit the process.
type exitRequest int

// parse parses args. When done, parsing ended the run (help, --version, a
// usage error) with the returned status.
func parse(parser *kong.Kong, args []string, stdout, stderr io.Writer) (kctx *kong.Context, code int, done bool) {
	parser.Stdout, parser.Stderr = stdout, stderr
	parser.Exit = func(code int) { panic(exitRequest(code)) }
	defer func() {
		if r := recover(); r != nil {
			ex, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			kctx, code, done = nil, int(ex), true
		}
	}()
	if args[0] == "help" { // `xdnactl help [COMMAND...]`, as `xdnactl [COMMAND...] --help`
		args = append(slices.Clone(args[1:]), "--help")
	}
	kctx, err := parser.Parse(longFlags(parser, args))
	if err != nil {
		fmt.Fprintln(stderr, "xdnactl:", err)
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil {
			fmt.Fprintf(stderr, "run \"%s --help\" for usage\n", strings.Join(append([]string{"xdnactl"}, commandPath(pe.Context)...), " "))
		}
		return nil, 2, true
	}
	return kctx, 0, false
}

// commandPath is the commands selected so far in a parse.
func commandPath(kctx *kong.Context) []string {
	var names []string
	for _, p := range kctx.Path {
		if p.Command != nil {
			names = append(names, p.Command.Name)
		}
	}
	return names
}

// longFlags rewrites -name and -name=value, which the flag package took as
// --name, into the double-dash form for every long flag the grammar has,
// so that command lines written for earlier versions keep working. Only
// arguments before a "--" are rewritten.
func longFlags(parser *kong.Kong, args []string) []string {
	names := map[string]bool{}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			names[f.Name] = true
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(parser.Model.Node)
	out := slices.Clone(args)
	for i, a := range out {
		if a == "--" {
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			if name, _, _ := strings.Cut(a[1:], "="); names[name] {
				out[i] = "-" + a
			}
		}
	}
	return out
}

// usageError is a command line or configuration the command cannot run
// with (exit status 2).
type usageError struct{ error }

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

// prepare readies the streams a client publishes jobs to and reads results
// from. With PROVISION on (the default, as for the workers) it creates or
// updates them (queue.Provision), which needs a NATS user allowed to manage
// streams (deploy/nats: admin). With PROVISION=false it neither changes nor
// inspects anything: queue.Prepare would run queue.Bind, which looks up
// JOBS, the DLQ and the consumers, and the least-privileged publisher user
// of deploy/nats may do none of that; it may only publish jobs and read
// results. A missing JOBS stream then shows as the publish's error
// (publishError).
func prepare(ctx context.Context, js jetstream.JetStream, qc queue.Config) error {
	if !qc.Provision.Bool() {
		return nil
	}
	if err := queue.Provision(ctx, js, qc); err != nil {
		return fmt.Errorf("provision the streams (set PROVISION=false to publish as a user that may not manage them): %w", err)
	}
	return nil
}

// publishError explains a job publish that no stream answered.
func publishError(qc queue.Config, err error) error {
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%w: no stream captures %s; with PROVISION=false the streams must exist beforehand (xdna-provision)", err, qc.JobsSubject)
	}
	return err
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

// submitCmd uploads files and publishes a job for each.
type submitCmd struct {
	Wait       bool          `help:"Wait for each result and print it as one JSON line; a progress bar per job on stderr meanwhile."`
	NoProgress bool          `name:"no-progress" help:"With --wait, no progress bars."`
	Language   string        `help:"Language code, or auto."`
	Task       string        `help:"transcribe or translate."`
	Model      string        `help:"One of the workers' models (WHISPER_MODELS); empty: their default."`
	Priority   string        `enum:"high,normal,low" default:"normal" help:"high, normal or low: workers take higher priorities first."`
	Timeout    time.Duration `default:"30m" help:"With --wait, give up after this long."`
	Files      []string      `arg:"" name:"file" help:"Audio files."`
	Conn       connFlags     `embed:""`
}

// Run uploads and submits; with --wait it prints the results.
func (c *submitCmd) Run(a *app) error {
	ctx, stdout, stderr := a.ctx, a.stdout, a.stderr
	cfg, err := c.Conn.config()
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
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := prepare(ctx, js, cfg.queue()); err != nil {
		return err
	}
	pub := queue.NewPublisher(js, cfg.queue())
	var ids []string
	files := map[string]string{} // job id → file
	submitted := map[string]time.Time{}
	show := newBars(stderr, isTerminal(stderr))
	bars := c.Wait && !c.NoProgress
	perJob := len(c.Files) <= maxProgressSubs
	if bars {
		// Only our jobs' progress (labelled before they are submitted, as
		// a job may start at once): a subscription per job, or for many
		// files one to every job's, filtered here.
		show.labelledOnly = true
		if !perJob {
			sub, err := queue.SubscribeProgress(nc, cfg.queue(), show.Update)
			if err != nil {
				return err
			}
			defer sub.Unsubscribe()
		}
	}
	for _, file := range c.Files {
		id := newJobID(file)
		ref, err := upload(ctx, st, cfg.Bucket, file, id, stderr)
		if err != nil {
			return err
		}
		show.Label(id, file)
		if bars && perJob {
			sub, err := queue.SubscribeProgress(nc, cfg.queue(), show.Update, id)
			if err != nil {
				return err
			}
			defer sub.Unsubscribe()
		}
		files[id], submitted[id] = file, time.Now()
		if err := pub.Submit(ctx, &job.Job{ID: id, Audio: ref, Language: c.Language, Task: c.Task, Model: c.Model, Priority: job.Priority(c.Priority)}); err != nil {
			return publishError(cfg.queue(), err)
		}
		ids = append(ids, id)
		if !c.Wait {
			fmt.Fprintln(stdout, id)
		} else {
			show.Printf("%s: queued as %s\n", file, id)
		}
	}
	if !c.Wait {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	failed := 0
	enc := json.NewEncoder(stdout)
	err = queue.Await(wctx, js, cfg.queue(), ids, func(r *job.Result) {
		enc.Encode(r)
		took := time.Since(submitted[r.JobID]).Round(10 * time.Millisecond)
		if r.Status != job.StatusSucceeded {
			failed++
			show.Done(r.JobID, fmt.Sprintf("%s: failed after %v: %s: %s", files[r.JobID], took, r.Error.Code, r.Error.Message))
			return
		}
		show.Done(r.JobID, fmt.Sprintf("%s: done in %v (%.1f s of audio, %d segments)", files[r.JobID], took, r.DurationS, len(r.Segments)))
	})
	if err != nil {
		return fmt.Errorf("waiting for results: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d jobs failed", failed, len(ids))
	}
	return nil
}

// maxProgressSubs is the most files submit --wait follows with a progress
// subscription each; beyond, one subscription to every job's progress. A
// variable for its test.
var maxProgressSubs = 64

// uploadCmd puts a file into storage without publishing a job: with bucket
// notifications on, the upload itself becomes the job. With --wait it
// derives that job's id the way the workers do and waits for its result.
type uploadCmd struct {
	Wait    bool          `help:"Wait for the transcript of the upload and print the result."`
	Timeout time.Duration `default:"30m" help:"With --wait, give up after this long."`
	File    string        `arg:"" help:"Local file."`
	Object  string        `arg:"" name:"bucket/key" help:"Where to put it."`
	Conn    connFlags     `embed:""`
}

// Run uploads the file; with --wait it prints the result of its job.
func (c *uploadCmd) Run(a *app) error {
	ctx, stdout, stderr := a.ctx, a.stdout, a.stderr
	bucketName, key, ok := strings.Cut(c.Object, "/")
	if !ok || bucketName == "" || key == "" {
		return usageError{fmt.Errorf("%q is not BUCKET/KEY", c.Object)}
	}
	cfg, err := c.Conn.config()
	if err != nil {
		return err
	}
	file := c.File
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
	if !c.Wait {
		fmt.Fprintln(stdout, id)
		return nil
	}
	fmt.Fprintf(stderr, "%s: uploaded to %s/%s; waiting for job %s\n", file, bucketName, key, id)
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	wctx, cancel := context.WithTimeout(ctx, c.Timeout)
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

// watchCmd follows results.
type watchCmd struct {
	FromStart  bool      `name:"from-start" help:"Print the results already stored, then follow."`
	NoProgress bool      `name:"no-progress" help:"No progress bars of running jobs on stderr."`
	Jobs       []string  `arg:"" optional:"" name:"job-id" help:"Follow only these jobs."`
	Conn       connFlags `embed:""`
}

// Run prints results as JSON lines until interrupted, and meanwhile a
// progress bar per running job on stderr.
func (c *watchCmd) Run(a *app) error {
	ctx, stdout := a.ctx, a.stdout
	cfg, err := c.Conn.config()
	if err != nil {
		return err
	}
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	opts := []queue.WatchOption{}
	if c.FromStart {
		opts = append(opts, queue.WatchFromStart())
	}
	if len(c.Jobs) > 0 {
		opts = append(opts, queue.WatchJobs(c.Jobs...))
	}
	show := newBars(a.stderr, isTerminal(a.stderr))
	if !c.NoProgress {
		sub, err := queue.SubscribeProgress(nc, cfg.queue(), show.Update, c.Jobs...)
		if err != nil {
			return err
		}
		defer sub.Unsubscribe()
	}
	enc := json.NewEncoder(stdout)
	err = queue.Watch(ctx, js, cfg.queue(), func(r *job.Result, _ jetstream.Msg) error {
		show.Done(r.JobID, "")
		return enc.Encode(r)
	}, opts...)
	if ctx.Err() != nil {
		return nil // interrupted: the normal way to stop watching
	}
	return err
}

// loadtestCmd load-tests the fleet.
type loadtestCmd struct {
	Concurrency int           `default:"4" help:"Jobs outstanding at once."`
	Jobs        int           `default:"100" help:"Jobs in total."`
	JSON        bool          `name:"json" help:"Print the report as JSON."`
	Timeout     time.Duration `default:"30m" help:"Give up on missing results after this long."`
	File        string        `arg:"" help:"The audio every job transcribes."`
	Conn        connFlags     `embed:""`
}

// Run uploads the file once, runs the load test and prints its report.
func (c *loadtestCmd) Run(a *app) error {
	ctx, stdout, stderr := a.ctx, a.stdout, a.stderr
	cfg, err := c.Conn.config()
	if err != nil {
		return err
	}
	jobs, asJSON := c.Jobs, c.JSON
	file := c.File
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
	if err := prepare(ctx, js, cfg.queue()); err != nil {
		return err
	}
	lc := loadtest.Config{Concurrency: c.Concurrency, Jobs: jobs, Audio: ref, AudioSeconds: seconds, Timeout: c.Timeout}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !asJSON {
		bar := progressbar.NewOptions(jobs, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("jobs"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		lc.Progress = func(done, _ int) { bar.Set(done) }
	}
	rep, err := loadtest.Run(ctx, js, cfg.queue(), lc)
	if rep != nil {
		if asJSON {
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

// bucketCmd sets up buckets where no other S3 client is at hand (scratch
// images): `bucket create NAME...` and `bucket notify ARN BUCKET...`, both
// idempotent.
type bucketCmd struct {
	Conn   connFlags       `embed:""`
	Create bucketCreateCmd `cmd:"" help:"Create buckets (idempotent)."`
	Notify bucketNotifyCmd `cmd:"" help:"Announce the uploads of buckets to a notification target, e.g. arn:minio:sqs::XDNA:nats (idempotent)."`
}

type bucketCreateCmd struct {
	Names []string `arg:"" name:"name" help:"Buckets to create."`
}

type bucketNotifyCmd struct {
	ARN     string   `arg:"" name:"arn" help:"Notification target."`
	Buckets []string `arg:"" name:"bucket" help:"Buckets whose uploads to announce."`
}

// Run announces the buckets' uploads to the target, retrying for a minute
// while storage comes up.
func (c *bucketNotifyCmd) Run(a *app, parent *bucketCmd) error {
	return parent.each(a, c.Buckets, "announces uploads to "+c.ARN, func(ctx context.Context, st *storage.Client, name string) error {
		return st.NotifyUploads(ctx, name, c.ARN)
	})
}

// Run creates the buckets, retrying for a minute while storage comes up.
func (c *bucketCreateCmd) Run(a *app, parent *bucketCmd) error {
	return parent.each(a, c.Names, "ready", func(ctx context.Context, st *storage.Client, name string) error {
		return st.EnsureBucket(ctx, name)
	})
}

// each runs op on every bucket, retrying each for a minute while storage
// comes up, and prints "bucket NAME done" after each.
func (c *bucketCmd) each(a *app, buckets []string, done string, op func(ctx context.Context, st *storage.Client, name string) error) error {
	cfg, err := c.Conn.config()
	if err != nil {
		return err
	}
	st, err := storage.New(cfg.storage())
	if err != nil {
		return err
	}
	defer st.Close()
	for _, name := range buckets {
		if err := retryUntil(a.ctx, 60*time.Second, func() error { return op(a.ctx, st, name) }); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
		fmt.Fprintln(a.stdout, "bucket", name, done)
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
