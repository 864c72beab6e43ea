package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// handle runs one delivery to its end: a succeeded result, a failed result,
// a dead letter, or a hand-back for another attempt. reserved is the audio
// buffer admission reserved for it.
func (w *Worker) handle(ctx context.Context, d *queue.Delivery, reserved xdna.Buffer) {
	defer reserved.Release() // no-op once the pipeline has taken it
	started := time.Now()
	attempt := d.Attempt()
	if attempt > 1 {
		w.m.redeliveries.Inc()
	}
	wait := started.Sub(d.Published())
	w.m.queueWait.Observe(max(wait, 0).Seconds())

	j, err := job.Parse(d.Data())
	if j == nil {
		w.deadLetter(ctx, d, "not_a_job: "+err.Error(), nil)
		return
	}
	reserved.Assign(j.ID)
	log := w.log.With("job_id", j.ID, "attempt", attempt)
	defer func() {
		if n := w.pools.Reclaim(j.ID); n > 0 {
			w.m.leaks.Add(float64(n))
			log.Error("buffer leak: job ended holding pool buffers; reclaimed", "buffers", n)
		}
	}()

	res := &job.Result{
		JobID: j.ID, Attempt: attempt, Worker: w.cfg.WorkerID, Device: w.dev.Name(),
		Model: w.model, Metadata: j.Metadata, Language: j.Language, Segments: []job.Segment{},
		TimingsMS: map[string]int64{},
	}
	if err == nil {
		jctx, cancel := context.WithTimeout(xdna.WithJob(ctx, j.ID), w.cfg.JobTimeout)
		stop := d.KeepAlive(jctx, 0)
		err = w.run(jctx, j, reserved, res)
		stop()
		if err == nil && jctx.Err() != nil {
			err = jctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = job.WithCode(job.CodeTimeout, fmt.Errorf("job did not finish within JOB_TIMEOUT %v: %w", w.cfg.JobTimeout, err))
		}
		cancel()
	}
	res.TimingsMS["queue"] = max(wait, 0).Milliseconds()
	res.TimingsMS["total"] = time.Since(started).Milliseconds() + res.TimingsMS["queue"]

	switch {
	case err == nil:
		res.Status = job.StatusSucceeded
		w.finish(ctx, d, res, log)
	case ctx.Err() != nil:
		// Shutdown timeout: hand the job back at once for another worker.
		w.m.retries.WithLabelValues("shutdown").Inc()
		log.Warn("handing back unfinished job at shutdown", "err", err)
		w.nak(d, 0, log)
	case retryable(err) && attempt < w.cfg.NATS.MaxDeliver:
		reason := "transient"
		if job.CodeOf(err) == job.CodeTimeout {
			reason = "timeout"
		}
		w.m.retries.WithLabelValues(reason).Inc()
		delay := w.backoff(attempt)
		log.Warn("job failed, will retry", "err", err, "retry_in", delay)
		w.nak(d, delay, log)
	case retryable(err):
		// The last delivery failed too: the DLQ, with the reason, keeps the
		// job for an operator to replay (xdnactl dlq replay).
		reason := fmt.Sprintf("%s: %s on delivery %d of %d", queue.ReasonExhausted, job.CodeOf(err), attempt, w.cfg.NATS.MaxDeliver)
		log.Error("job failed on its last delivery: dead-lettering", "err", err)
		w.deadLetter(ctx, d, reason, err)
	default:
		code := job.CodeOf(err)
		res.Status = job.StatusFailed
		res.Error = &job.ErrorBody{Code: code, Message: err.Error()}
		res.Text, res.Segments = "", []job.Segment{}
		w.finish(ctx, d, res, log)
	}
}

// retryable reports whether another attempt could succeed: transient
// storage or broker faults, timeouts and internal errors (including panics).
// Bad input is permanent.
func retryable(err error) bool {
	if job.IsTransient(err) {
		return true
	}
	switch job.CodeOf(err) {
	case job.CodeTimeout, job.CodeInternal:
		return true
	}
	return false
}

// backoff is the delay before attempt+1: RETRY_BACKOFF doubled per attempt,
// capped at 2 minutes.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.RetryBackoff
	for i := 1; i < attempt && d < 2*time.Minute; i++ {
		d *= 2
	}
	return min(d, 2*time.Minute)
}

// run fetches the audio, runs the pipeline and writes any outputs, filling
// res. A panic becomes an internal error.
func (w *Worker) run(ctx context.Context, j *job.Job, reserved xdna.Buffer, res *job.Result) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = job.WithCode(job.CodeInternal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	f, err := os.CreateTemp(w.cfg.TempDir, "xdna-audio-*")
	if err != nil {
		return job.WithCode(job.CodeInternal, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	start := time.Now()
	size, err := w.store.Fetch(ctx, j.Audio, int64(w.cfg.MaxAudioBytes), f)
	if err != nil {
		return err
	}
	res.TimingsMS["fetch"] = time.Since(start).Milliseconds()
	w.m.stage.WithLabelValues("fetch").Observe(time.Since(start).Seconds())
	if _, err := f.Seek(0, 0); err != nil {
		return job.WithCode(job.CodeInternal, err)
	}

	tr, err := w.tr.Transcribe(ctx, &pipeline.Request{
		Audio: f, Size: size, Reserved: reserved,
		Language: j.Language, Task: j.Task, Prompt: j.Prompt,
	})
	if err != nil {
		return err
	}
	for name, d := range map[string]time.Duration{"decode": tr.Timings.Decode, "mel": tr.Timings.Mel, "encode": tr.Timings.Encode, "decode_text": tr.Timings.DecodeText} {
		res.TimingsMS[name] = d.Milliseconds()
		w.m.stage.WithLabelValues(name).Observe(d.Seconds())
	}
	res.Text, res.Segments, res.DurationS = tr.Text, tr.Segments, tr.Duration.Seconds()
	if tr.Language != "" {
		res.Language = tr.Language
	}
	if j.Output != nil {
		start := time.Now()
		if res.Outputs, err = w.writeOutputs(ctx, j, res); err != nil {
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
	err := retry(pctx, func() (err error) {
		dup, err = w.pub.Result(pctx, res)
		return err
	})
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
// a job, or a job whose last delivery failed (lastErr).
func (w *Worker) deadLetter(ctx context.Context, d *queue.Delivery, reason string, lastErr error) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.NATS.AckWait)
	defer cancel()
	if err := retry(pctx, func() error { return w.pub.DeadLetter(pctx, d, reason, lastErr) }); err != nil {
		w.log.Error("dead letter not published; the message will be redelivered", "err", err, "seq", d.StreamSeq())
		w.nak(d, w.backoff(1), w.log)
		return
	}
	kind, _, _ := strings.Cut(reason, ":")
	w.m.deadLetters.WithLabelValues(kind).Inc()
	_ = d.Term(reason)
	w.log.Warn("dead-lettered", "reason", reason, "seq", d.StreamSeq())
}

func (w *Worker) nak(d *queue.Delivery, delay time.Duration, log *slog.Logger) {
	if err := d.NakWithDelay(delay); err != nil {
		log.Warn("nak failed; the message will be redelivered after ACK_WAIT", "err", err)
	}
}

// retry calls fn until it succeeds or ctx ends, backing off from 100 ms.
func retry(ctx context.Context, fn func() error) error {
	delay := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
		delay = min(delay*2, 2*time.Second)
	}
}
