package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// handle runs one delivery to its end: a succeeded result, a failed result,
// a dead letter, or a hand-back for another attempt. j and perr are what
// job.Parse made of the message (j nil: not a job). reserved is the audio
// buffer admission reserved for it.
func (w *Worker) handle(ctx context.Context, d *queue.Delivery, j *job.Job, err error, reserved xdna.Buffer) {
	defer reserved.Release() // no-op once the pipeline has taken it
	started := time.Now()
	attempt := d.Attempt()
	if attempt > 1 {
		w.m.redeliveries.Inc()
	}
	wait := started.Sub(d.Published())
	w.m.queueWait.WithLabelValues(string(d.Priority())).Observe(max(wait, 0).Seconds())
	ctx, span := w.startJob(ctx, d, j)
	defer span.End()

	if j == nil {
		telemetry.Fail(span, "not_a_job", err)
		span.SetAttributes(telemetry.AttrStatus.String("dead_letter"))
		w.deadLetter(ctx, d, "", "not_a_job: "+err.Error(), nil)
		return
	}
	// The buffers of this delivery belong to it alone, not to its job id: a
	// second delivery of the id can neither reclaim nor reuse them.
	owner := xdna.NewOwner(j.ID)
	reserved.Assign(owner)
	log := w.log.With("job_id", j.ID, "attempt", attempt)
	defer func() {
		// The reserved buffer first: a job that ended before the pipeline
		// took it (bad input, a failed fetch) has not leaked it.
		reserved.Release()
		if n := w.pools.Reclaim(owner); n > 0 {
			w.m.leaks.Add(float64(n))
			log.Error("buffer leak: job ended holding pool buffers; reclaimed", "buffers", n, "stream_seq", d.StreamSeq())
		}
	}()

	res := &job.Result{
		JobID: j.ID, Attempt: attempt, Worker: w.cfg.WorkerID, Device: w.dev.Name(),
		Metadata: j.Metadata, Language: j.Language, Segments: []job.Segment{},
		TimingsMS: map[string]int64{},
	}
	if j.Model == "" {
		res.Model = w.models[0].name // the default, even when the job fails before it runs
	}
	var model *servedModel
	if err == nil {
		if model, err = w.pickModel(j); err == nil {
			res.Model = model.name
		}
	}
	if err == nil {
		err = w.checkRefs(j)
	}
	// Tracked before the bucket is asked, so that a cancellation made in
	// between is not missed: it is either in the bucket or reaches tctx.
	// The bucket is asked under ctx, not tctx: a cancellation that arrives
	// meanwhile must not make the question fail (transient) but end the
	// run below as canceled.
	tctx, untrack := w.cancelWatch.Track(xdna.WithOwner(ctx, owner), j.ID)
	defer untrack()
	if err == nil {
		err = w.checkCanceled(ctx, j.ID)
	}
	timedOut, canceled := false, job.CodeOf(err) == job.CodeCanceled
	if err == nil {
		jctx, cancel := context.WithTimeout(tctx, w.cfg.JobTimeout)
		stop := d.KeepAlive(jctx, 0)
		err = w.run(jctx, j, model, reserved, res)
		stop()
		if err == nil && jctx.Err() != nil {
			err = jctx.Err()
		}
		// The job's own deadline decides, whatever shape the error took on
		// the way out (a fetch cut by it may look like a network error);
		// a permanent failure (bad input) stays what it is.
		if errors.Is(jctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil &&
			(errors.Is(err, context.DeadlineExceeded) || retryable(err)) {
			timedOut = true
			err = job.WithCode(job.CodeTimeout, fmt.Errorf("job did not finish within JOB_TIMEOUT %v: %w", w.cfg.JobTimeout, err))
		}
		// A cancellation decides too, whatever error the stage it cut
		// returned: the job ends canceled. It is told from a shutdown
		// (ctx, handed back below) and from the deadline by its cause.
		if cause := context.Cause(jctx); err != nil && errors.Is(cause, queue.ErrCanceled) {
			canceled = true
			err = fmt.Errorf("job %s was cancelled while it ran, after %v: %w", j.ID, time.Since(started).Round(time.Millisecond), cause)
		}
		cancel()
	}
	res.TimingsMS["queue"] = max(wait, 0).Milliseconds()
	res.TimingsMS["total"] = time.Since(started).Milliseconds() + res.TimingsMS["queue"]
	if err != nil {
		telemetry.Fail(span, string(job.CodeOf(err)), err)
	}

	switch {
	case err == nil:
		res.Status = job.StatusSucceeded
		w.finish(ctx, d, res, log)
	case canceled:
		// Final, even at shutdown: a cancelled job is never handed back,
		// retried or dead-lettered.
		w.fail(ctx, d, res, err, log)
	case ctx.Err() != nil:
		// Shutdown timeout: hand the job back at once for another worker.
		w.m.retries.WithLabelValues("shutdown").Inc()
		log.Warn("handing back unfinished job at shutdown", "err", err)
		w.nak(d, 0, log)
	case timedOut && attempt == 1 && attempt < w.cfg.NATS.MaxDeliver:
		// A timeout is retried once: the first run may have met a loaded
		// worker. A job that times out again is failed (below), so one that
		// always exceeds JOB_TIMEOUT costs two runs, not MAX_DELIVER.
		w.m.retries.WithLabelValues("timeout").Inc()
		delay := w.backoff(attempt)
		log.Warn("job timed out, will retry once", "err", err, "retry_in", delay)
		w.nak(d, delay, log)
	case timedOut:
		w.fail(ctx, d, res, err, log)
	case retryable(err) && attempt < w.cfg.NATS.MaxDeliver:
		w.m.retries.WithLabelValues("transient").Inc()
		delay := w.backoff(attempt)
		log.Warn("job failed, will retry", "err", err, "retry_in", delay)
		w.nak(d, delay, log)
	case retryable(err):
		// The last delivery failed too: the DLQ, with the reason, keeps the
		// job for an operator to replay (xdnactl dlq replay).
		reason := fmt.Sprintf("%s: %s on delivery %d of %d", queue.ReasonExhausted, job.CodeOf(err), attempt, w.cfg.NATS.MaxDeliver)
		log.Error("job failed on its last delivery: dead-lettering", "err", err)
		w.deadLetter(ctx, d, j.ID, reason, err)
	default:
		w.fail(ctx, d, res, err, log)
	}
}

// fail publishes a failed result for err, then terminates the message.
func (w *Worker) fail(ctx context.Context, d *queue.Delivery, res *job.Result, err error, log *slog.Logger) {
	res.Status = job.StatusFailed
	res.Error = &job.ErrorBody{Code: job.CodeOf(err), Message: err.Error()}
	res.Text, res.Segments, res.Outputs = "", []job.Segment{}, nil
	w.finish(ctx, d, res, log)
}

// handBack returns a delivery whose job id already runs on this worker: it
// comes back after a delay, by when the running delivery has likely ended
// (its result then makes this one a duplicate). Running both would let
// whichever ends first decide the job's one result, and a bogus message
// that fails at once would win over the real job. On its last delivery it
// goes to the DLQ instead, so it still ends somewhere.
func (w *Worker) handBack(ctx context.Context, d *queue.Delivery, id string) {
	attempt := d.Attempt()
	log := w.log.With("job_id", id, "attempt", attempt)
	ctx = queue.ExtractTrace(ctx, d.Headers())
	if attempt < w.cfg.NATS.MaxDeliver {
		w.m.retries.WithLabelValues("running").Inc()
		delay := w.backoff(attempt)
		log.Info("this job id is already running on this worker: handing the delivery back", "stream_seq", d.StreamSeq(), "retry_in", delay)
		w.nak(d, delay, log)
		return
	}
	reason := fmt.Sprintf("%s: job id still running on this worker on delivery %d of %d", queue.ReasonExhausted, attempt, w.cfg.NATS.MaxDeliver)
	log.Warn("this job id was running on this worker on every delivery: dead-lettering", "stream_seq", d.StreamSeq())
	w.deadLetter(ctx, d, id, reason, nil)
}

// checkCanceled fails job id with code canceled when it was cancelled
// before this delivery picked it up. Not being able to ask is transient:
// the job is handed back rather than run against its owner's wish.
func (w *Worker) checkCanceled(ctx context.Context, id string) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	yes, err := w.cancels.Canceled(cctx, id)
	switch {
	case err != nil:
		return job.Transient(err)
	case yes:
		return job.WithCode(job.CodeCanceled, fmt.Errorf("job %s was cancelled before it started: %w", id, queue.ErrCanceled))
	}
	return nil
}

// checkRefs refuses, before any storage call, a job whose audio key or
// output prefix is not a safe object name (storage.ValidateKey), or that
// reads or writes a bucket outside ALLOWED_AUDIO_BUCKETS /
// ALLOWED_OUTPUT_BUCKETS. The error names the bucket, and says nothing of
// the objects in it.
func (w *Worker) checkRefs(j *job.Job) error {
	if err := storage.ValidateKey(j.Audio.Key); err != nil {
		return fmt.Errorf("job %s: audio: %w", j.ID, err)
	}
	if j.Output != nil {
		if err := storage.ValidatePrefix(j.Output.Prefix); err != nil {
			return fmt.Errorf("job %s: output: %w", j.ID, err)
		}
	}
	if !bucketAllowed(w.cfg.AllowedAudioBuckets, j.Audio.Bucket) {
		return job.Errorf(job.CodeInvalidJob, "job %s: audio bucket %.100q is not allowed on this worker (ALLOWED_AUDIO_BUCKETS)", j.ID, j.Audio.Bucket)
	}
	if j.Output != nil && !bucketAllowed(w.cfg.AllowedOutputBuckets, j.Output.Bucket) {
		return job.Errorf(job.CodeInvalidJob, "job %s: output bucket %.100q is not allowed on this worker (ALLOWED_OUTPUT_BUCKETS)", j.ID, j.Output.Bucket)
	}
	return nil
}

// bucketAllowed reports whether bucket matches one of the globs (path.Match
// syntax, validated at start); no globs allow every bucket.
func bucketAllowed(globs []string, bucket string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, bucket); ok {
			return true
		}
	}
	return false
}

// retryable reports whether another attempt could succeed: transient
// storage or broker faults and internal errors (including panics). Bad
// input is permanent; a timeout is decided by handle.
func retryable(err error) bool {
	if job.IsTransient(err) {
		return true
	}
	return job.CodeOf(err) == job.CodeInternal
}

// maxBackoff caps the retry delay.
const maxBackoff = 2 * time.Minute

// backoff is the delay before attempt+1, with full jitter: uniform over
// [0, RETRY_BACKOFF · 2^(attempt-1)], the ceiling capped at 2 minutes. The
// jitter spreads the retries of workers that failed together (an outage)
// instead of sending them back in lockstep.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.RetryBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return fullJitter(min(d, maxBackoff))
}

// fullJitter returns a uniformly random duration in [0, d].
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// run fetches the audio, runs the pipeline and writes any outputs, filling
// res. A panic becomes an internal error.
func (w *Worker) run(ctx context.Context, j *job.Job, model *servedModel, reserved xdna.Buffer, res *job.Result) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = job.WithCode(job.CodeInternal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	// The fetched object is spooled to a file without a name (unlinked at
	// once), so nothing is left behind when the worker is killed; it is
	// closed, and its space freed, as soon as the pipeline has decoded it.
	f, err := os.CreateTemp(w.cfg.TempDir, w.spoolPrefix()+"audio-*")
	if err != nil {
		return job.WithCode(job.CodeInternal, err)
	}
	_ = os.Remove(f.Name()) // a leftover, if this fails, is swept at the next start
	dropAudio := sync.OnceFunc(func() { f.Close() })
	defer dropAudio()

	prog := w.progressOf(j.ID)
	prog.report(job.Progress{Stage: job.StageFetch})
	start := time.Now()
	fctx, span := w.startStep(ctx, "fetch", j.ID)
	size, err := w.store.Fetch(fctx, j.Audio, int64(w.cfg.MaxAudioBytes), f)
	endStep(span, err)
	if err != nil {
		return err
	}
	res.TimingsMS["fetch"] = time.Since(start).Milliseconds()
	w.m.stage.WithLabelValues("fetch").Observe(time.Since(start).Seconds())
	if _, err := f.Seek(0, 0); err != nil {
		return job.WithCode(job.CodeInternal, err)
	}

	tr, err := model.tr.Transcribe(ctx, &pipeline.Request{
		Audio: f, Size: size, Reserved: reserved, ReleaseAudio: dropAudio,
		Language: j.Language, Task: j.Task, Prompt: j.Prompt, Decoding: j.Decoding, VAD: w.useVAD(ctx, j),
		WordTimestamps: j.WordTimestamps, Progress: prog.report,
	})
	if err != nil {
		return err
	}
	for name, d := range map[string]time.Duration{"decode": tr.Timings.Decode, "mel": tr.Timings.Mel, "encode": tr.Timings.Encode, "decode_text": tr.Timings.DecodeText} {
		res.TimingsMS[name] = d.Milliseconds()
		w.m.stage.WithLabelValues(name).Observe(d.Seconds())
	}
	if tr.Timings.VAD > 0 { // only jobs that ran voice activity detection
		res.TimingsMS["vad"] = tr.Timings.VAD.Milliseconds()
		w.m.stage.WithLabelValues("vad").Observe(tr.Timings.VAD.Seconds())
	}
	res.Text, res.Segments, res.DurationS = tr.Text, tr.Segments, tr.Duration.Seconds()
	if tr.Language != "" {
		res.Language = tr.Language
	}
	if j.Output != nil {
		start := time.Now()
		octx, span := w.startStep(ctx, "output", j.ID)
		res.Outputs, err = w.writeOutputs(octx, j, res)
		endStep(span, err)
		if err != nil {
			return err
		}
		res.TimingsMS["output"] = time.Since(start).Milliseconds()
	}
	w.m.audioSeconds.Add(res.DurationS)
	return nil
}

// finish publishes the result, then acks or terms the message. If the
// result cannot be published the message is left to be redelivered.
func (w *Worker) finish(ctx context.Context, d *queue.Delivery, res *job.Result, log *slog.Logger) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.NATS.AckWait)
	defer cancel()
	var dup bool
	sctx, span := w.startStep(pctx, "publish", res.JobID)
	span.SetAttributes(telemetry.AttrStatus.String(res.Status))
	err := retry(sctx, func() (err error) {
		dup, err = w.pub.Result(sctx, res)
		return err
	})
	span.SetAttributes(attribute.Bool("duplicate", dup))
	endStep(span, err)
	if errors.Is(err, queue.ErrTooLarge) {
		// Cut to fit and still refused (a server with a tiny max
		// payload): no redelivery can change that.
		log.Error("result too large to publish even cut down: dead-lettering", "err", err)
		w.deadLetter(ctx, d, res.JobID, "result_too_large: "+err.Error(), err)
		return
	}
	if err != nil {
		log.Error("result not published; the message will be redelivered", "err", err)
		w.nak(d, w.backoff(1), log)
		return
	}
	code := ""
	if res.Error != nil {
		code = string(res.Error.Code)
	}
	if dup {
		// Another delivery of this job already published its result (this
		// worker was cut off past ACK_WAIT, or crashed before acking).
		w.m.duplicates.Inc()
		log.Info("result was already published by an earlier delivery (duplicate suppressed)")
	} else {
		w.m.jobs.WithLabelValues(res.Status, code).Inc()
	}
	if res.Status == job.StatusFailed {
		_ = d.Term("failed: " + string(res.Error.Code))
		log.Warn("job failed", "code", code, "err", res.Error.Message)
		return
	}
	if err := retry(pctx, func() error { return d.Ack(pctx) }); err != nil {
		log.Warn("ack failed; a redelivery will find the published result", "err", err)
	}
	if !dup {
		log.Info("job succeeded", "duration_s", res.DurationS, "total_ms", res.TimingsMS["total"])
	}
}

// deadLetter sends a message to the DLQ and terminates it: one that is not
// a job, or a job whose last delivery failed (lastErr). id is the job's id,
// "" for a message that is not a job.
func (w *Worker) deadLetter(ctx context.Context, d *queue.Delivery, id, reason string, lastErr error) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.NATS.AckWait)
	defer cancel()
	sctx, span := w.tracer.Start(pctx, "publish", trace.WithAttributes(telemetry.AttrStatus.String("dead_letter")))
	if id != "" {
		span.SetAttributes(telemetry.AttrJobID.String(id))
	}
	err := retry(sctx, func() error { return w.pub.DeadLetter(sctx, d, reason, lastErr) })
	endStep(span, err)
	if errors.Is(err, queue.ErrTooLarge) {
		// Not even a truncated copy fits: the message is dropped, loudly.
		w.log.Error("dead letter too large to publish: terminating the message", "err", err, "seq", d.StreamSeq())
		_ = d.Term(reason)
		return
	}
	if err != nil {
		w.log.Error("dead letter not published; the message will be redelivered", "err", err, "seq", d.StreamSeq())
		w.nak(d, w.backoff(1), w.log)
		return
	}
	kind, _, _ := strings.Cut(reason, ":")
	w.countDeadLetter(kind)
	_ = d.Term(reason)
	w.log.Warn("dead-lettered", "reason", reason, "seq", d.StreamSeq())
}

func (w *Worker) nak(d *queue.Delivery, delay time.Duration, log *slog.Logger) {
	if err := d.NakWithDelay(delay); err != nil {
		log.Warn("nak failed; the message will be redelivered after ACK_WAIT", "err", err)
	}
}

// retry calls fn until it succeeds or ctx ends, backing off from 100 ms
// (doubling up to 2 s) with full jitter.
func retry(ctx context.Context, fn func() error) error {
	delay := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil || errors.Is(err, queue.ErrTooLarge) {
			return err // too large is permanent: no retry changes it
		}
		t := time.NewTimer(fullJitter(delay))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// deadLetterUpload is the xdna_dead_letters_total reason of a bucket
// notification dead-lettered (whatever its own reason says: that one names
// the parse error, and a label must have few values).
const deadLetterUpload = "upload"

// countDeadLetter counts one message dead-lettered by this worker — by a
// job, its router, its rescuer or its uploads intake — in
// xdna_dead_letters_total{reason}.
func (w *Worker) countDeadLetter(reason string) {
	w.m.deadLetters.WithLabelValues(reason).Inc()
}
