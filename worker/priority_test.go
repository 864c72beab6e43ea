package worker_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// Issue 11, item 4: a high job waits for no queued job of a lower
// priority, however many, only for jobs already running. Behind a backlog
// of 1,000 low jobs, on a worker of two slots, it starts before both jobs
// running when it came have finished: at most one low job (a starvation
// guard's take, one in PRIORITY_LOWER_EVERY) starts between its submission
// and its start.
func TestHighJobOvertakesLowBacklog(t *testing.T) {
	e := newEnv(t)
	const backlog, slots = 1000, 2
	audio := e.put("short.wav", tone(2))
	for i := range backlog {
		e.submit(&job.Job{ID: jobID("low", i), Priority: job.PriorityLow, Audio: audio})
	}

	// Jobs in the order they started: a job's first progress event goes
	// out when it starts (stage fetch), from the worker's one connection.
	var (
		mu      sync.Mutex
		started []string
		seen    = map[string]bool{}
	)
	sub, err := queue.SubscribeProgress(e.nats.Conn(t), e.qc, func(p *job.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[p.JobID] {
			seen[p.JobID] = true
			started = append(started, p.JobID)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	startedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(started) }

	e.startWorker(map[string]string{
		"AUDIO_BUFFER_POOL_SIZE": strconv.Itoa(slots), "MEL_BUFFER_POOL_SIZE": strconv.Itoa(slots), "ENCODER_BUFFER_POOL_SIZE": strconv.Itoa(slots),
		"XDNA_SIM_WINDOW_MS": "150", "XDNA_SIM_CONTEXTS": "1",
	})
	// Wait until the backlog is in the low lane and the worker is busy.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ci := e.routerInfo()
		if ci.NumPending == 0 && ci.NumAckPending == 0 && ci.Delivered.Consumer >= backlog && startedCount() >= 2*slots {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backlog not routed and running: router delivered %d, pending %d; %d jobs started", ci.Delivered.Consumer, ci.NumPending, startedCount())
		}
		time.Sleep(20 * time.Millisecond)
	}

	mu.Lock()
	before := len(started)
	mu.Unlock()
	submitted := time.Now()
	e.submit(&job.Job{ID: "high-0", Priority: job.PriorityHigh, Audio: audio})
	var res *job.Result
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errDone := errors.New("done")
	err = queue.Watch(ctx, e.js, e.qc, func(r *job.Result, _ jetstream.Msg) error {
		res = r
		return errDone
	}, queue.WatchJobs("high-0"), queue.WatchFromStart())
	if !errors.Is(err, errDone) {
		t.Fatalf("no result for the high job: %v", err)
	}
	if res.Status != job.StatusSucceeded {
		t.Fatalf("high job: %+v", res)
	}

	mu.Lock()
	defer mu.Unlock()
	at := -1
	for i, id := range started {
		if id == "high-0" {
			at = i
		}
	}
	if at < 0 {
		t.Fatal("the high job's start was not seen")
	}
	between := at - before // low jobs started after the high one was submitted, before it started
	t.Logf("high job: %d low jobs queued behind it, %d low jobs started between its submission and its start; waited %d ms (queue) and took %d ms in all; %v after submission its result was in",
		backlog-before, between, res.TimingsMS["queue"], res.TimingsMS["total"], time.Since(submitted).Round(time.Millisecond))
	if between > 1 {
		t.Fatalf("%d low jobs started between the high job's submission and its start (%v), want at most 1", between, started[before:at+1])
	}
}
