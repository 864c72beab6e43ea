package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/worker"
)

// slowSim makes the sim device take 2 s a window: a job of 5 minutes of
// audio (10 windows) would take 20 s.
var slowSim = map[string]string{"XDNA_SIM_WINDOW_MS": "2000", "XDNA_SIM_CONTEXTS": "1"}

// longAudioSeconds is the audio of the jobs that are cancelled while they
// run.
const longAudioSeconds = 300

// cancels opens the env's cancellation bucket as a publisher would.
func (e *env) cancels() *queue.Cancels {
	e.t.Helper()
	c, err := queue.OpenCancels(context.Background(), e.js, e.qc)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) cancel(id string) {
	e.t.Helper()
	if err := e.cancels().Cancel(context.Background(), id); err != nil {
		e.t.Fatal(err)
	}
}

// waitEncoding waits until w has a window in its device: the job runs.
func waitEncoding(t *testing.T, w *worker.Worker) {
	t.Helper()
	waitFor(t, time.Minute, func() bool { return w.Pools().EncoderOutput.Stats().BuffersInUse > 0 })
}

// assertPoolsClean checks, once the worker is idle, that its pools hold no
// buffer but the reservation of the next pull, and have caught no leak.
func assertPoolsClean(t *testing.T, e *env, w *worker.Worker) {
	t.Helper()
	clean := func() bool {
		for _, p := range w.Pools().All() {
			reserved := 0
			if p == w.Pools().Audio {
				reserved = 1
			}
			if s := p.Stats(); s.HasLeaks || s.BuffersInUse > reserved {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(10 * time.Second)
	for !clean() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range w.Pools().All() {
		if s := p.Stats(); s.HasLeaks || s.BuffersInUse > 1 {
			t.Fatalf("pool %s after the cancellation: %+v", s.Name, s)
		}
	}
	if strings.Contains(e.logs.String(), "buffer leak") {
		t.Fatalf("a buffer leak was logged:\n%s", e.logs.String())
	}
}

// assertCanceled checks that r is the failed result, code canceled, of a
// job's first delivery.
func assertCanceled(t *testing.T, r *job.Result) {
	t.Helper()
	if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeCanceled || r.Attempt != 1 {
		t.Fatalf("want a failed result with code canceled on attempt 1, got %s", mustJSON(r))
	}
}

// assertSettled checks that every job left JOBS, none was redelivered or
// dead-lettered.
func assertSettled(t *testing.T, e *env) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.JobsStream) == 0 })
	if ci := e.consumerInfo(); ci.NumAckPending != 0 || ci.NumRedelivered != 0 {
		t.Fatalf("consumer: %d pending acks, %d redelivered", ci.NumAckPending, ci.NumRedelivered)
	}
	if n := e.streamMsgs(e.qc.DLQStream); n != 0 {
		t.Fatalf("DLQ holds %d messages", n)
	}
}

// A job cancelled before a worker picks it up ends with a failed result,
// code canceled, without its audio being fetched; it leaves JOBS and is
// neither retried nor dead-lettered. A job beside it runs.
func TestCancelBeforePickup(t *testing.T) {
	e := newEnv(t)
	ref := e.put("tone-3s.wav", tone(3))
	e.cancel("tenant.early-1")
	e.submit(&job.Job{ID: "tenant.early-1", Audio: ref})
	e.submit(&job.Job{ID: "tenant.early-2", Audio: ref})
	w, _ := e.startWorker(nil)

	got := e.results(2, time.Minute)
	r := got["tenant.early-1"][0]
	assertCanceled(t, r)
	if _, fetched := r.TimingsMS["fetch"]; fetched {
		t.Fatalf("the cancelled job's audio was fetched: %v", r.TimingsMS)
	}
	if r := got["tenant.early-2"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("the job beside it: %s", mustJSON(r))
	}
	assertSettled(t, e)
	assertPoolsClean(t, e, w)
}

// A running job stops within about a second of its cancellation, releases
// every buffer, and ends with a failed result, code canceled; the worker
// then runs the next job normally.
func TestCancelRunningJob(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(slowSim)
	e.submit(&job.Job{ID: "long-1", Audio: e.put("long.wav", tone(longAudioSeconds))})
	waitEncoding(t, w)

	start := time.Now()
	e.cancel("long-1")
	r := e.results(1, 15*time.Second)["long-1"][0]
	took := time.Since(start)
	t.Logf("cancelled job's result %v after the cancellation", took.Round(time.Millisecond))
	assertCanceled(t, r)
	// Generous for -race on a shared machine; the job would take 20 s.
	if took > 3*time.Second {
		t.Fatalf("the result came %v after the cancellation, want about a second", took)
	}
	if !strings.Contains(r.Error.Message, "cancelled while it ran") {
		t.Fatalf("error message %q", r.Error.Message)
	}
	assertSettled(t, e)
	assertPoolsClean(t, e, w)

	e.submit(&job.Job{ID: "next-1", Audio: e.put("short.wav", tone(1))})
	if r := e.results(2, time.Minute)["next-1"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("next job after the cancellation: %s", mustJSON(r))
	}
	assertSettled(t, e)
	assertPoolsClean(t, e, w)
}

// A job cancelled while the worker drains (SIGTERM) still ends canceled at
// once: the watch lives until the jobs are drained, and a cancellation is
// final, not handed back.
func TestCancelWhileDraining(t *testing.T) {
	e := newEnv(t)
	over := map[string]string{"SHUTDOWN_TIMEOUT": "60s"}
	for k, v := range slowSim {
		over[k] = v
	}
	w, stop := e.startWorker(over)
	e.submit(&job.Job{ID: "drain-1", Audio: e.put("long.wav", tone(longAudioSeconds))})
	waitEncoding(t, w)

	stopped := make(chan struct{})
	go func() { defer close(stopped); stop() }()
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(e.logs.String(), "stopped pulling") })
	e.cancel("drain-1")
	assertCanceled(t, e.results(1, 15*time.Second)["drain-1"][0])
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not finish draining after its only job was cancelled")
	}
	assertSettled(t, e)
}

// Shutdown is not cancellation: a job still running when SHUTDOWN_TIMEOUT
// runs out is handed back for another worker, with no result.
func TestShutdownHandsBackNotCanceled(t *testing.T) {
	e := newEnv(t)
	over := map[string]string{"SHUTDOWN_TIMEOUT": "500ms"}
	for k, v := range slowSim {
		over[k] = v
	}
	w, stop := e.startWorker(over)
	e.submit(&job.Job{ID: "handback-1", Audio: e.put("long.wav", tone(longAudioSeconds))})
	waitEncoding(t, w)
	stop()
	if n := e.streamMsgs(e.qc.ResultsStream); n != 0 {
		t.Fatalf("RESULTS holds %d messages after a shutdown hand-back", n)
	}
	if n := e.streamMsgs(e.qc.JobsStream); n != 1 {
		t.Fatalf("JOBS holds %d messages, want the handed-back job", n)
	}
	if !strings.Contains(e.logs.String(), "handing back unfinished job at shutdown") {
		t.Fatalf("no hand-back logged:\n%s", e.logs.String())
	}
}

// The same on the cpu device with a (random-weight) Whisper model: the
// encoder and the text decoding loop stop on the cancellation too.
func TestCancelRunningJobOnCPU(t *testing.T) {
	e := newEnv(t)
	w, _ := e.startWorker(map[string]string{"XDNA_DEVICE": "cpu", "WHISPER_MODEL": randomModelFile(t)})
	e.submit(&job.Job{ID: "cpu-long-1", Audio: e.put("long.wav", tone(longAudioSeconds))})
	waitEncoding(t, w)
	time.Sleep(200 * time.Millisecond) // into the window's encode or text decoding

	start := time.Now()
	e.cancel("cpu-long-1")
	r := e.results(1, 15*time.Second)["cpu-long-1"][0]
	took := time.Since(start)
	t.Logf("cancelled job's result %v after the cancellation (%v of it ran)", took.Round(time.Millisecond), time.Duration(r.TimingsMS["total"])*time.Millisecond)
	assertCanceled(t, r)
	if took > 3*time.Second {
		t.Fatalf("the result came %v after the cancellation, want about a second", took)
	}
	assertSettled(t, e)
	assertPoolsClean(t, e, w)
}
