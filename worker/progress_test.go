package worker_test

import (
	"sync"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// A running job publishes its progress on transcribe.progress.<job_id>:
// fetch first, then its windows one after another with the audio done
// growing to the whole duration, at most once a second, each event naming
// the job and the worker.
func TestProgressEvents(t *testing.T) {
	e := newEnv(t)
	// The sim device takes 1.2 s a window: 4 windows of 100 s of audio
	// give a window's progress after every second or so.
	e.startWorker(map[string]string{"XDNA_SIM_WINDOW_MS": "1200", "XDNA_SIM_CONTEXTS": "1"})
	type event struct {
		p  job.Progress
		at time.Time
	}
	var (
		mu     sync.Mutex
		events []event
	)
	nc := e.nats.Conn(t)
	sub, err := queue.SubscribeProgress(nc, e.qc, func(p *job.Progress) {
		mu.Lock()
		events = append(events, event{*p, time.Now()})
		mu.Unlock()
	}, "prog-1")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	e.submit(&job.Job{ID: "prog-1", Audio: e.put("prog-1.wav", tone(100))})
	if r := e.results(1, 60*time.Second)["prog-1"][0]; r.Status != job.StatusSucceeded {
		t.Fatalf("result %+v", r)
	}
	time.Sleep(200 * time.Millisecond) // events published before the result have arrived by now
	mu.Lock()
	defer mu.Unlock()
	if len(events) < 3 {
		t.Fatalf("%d progress events, want at least 3: %+v", len(events), events)
	}
	if p := events[0].p; p.Stage != job.StageFetch || p.JobID != "prog-1" || p.Worker != "w1" {
		t.Fatalf("first event %+v, want stage fetch of prog-1 by w1", p)
	}
	var last job.Progress
	for i, ev := range events {
		p := ev.p
		if p.JobID != "prog-1" || p.Worker != "w1" {
			t.Fatalf("event %d %+v: wrong job or worker", i, p)
		}
		if i > 0 {
			// Published at least a second apart; received with some jitter.
			if gap := ev.at.Sub(events[i-1].at); gap < 800*time.Millisecond {
				t.Fatalf("events %d and %d %v apart, want about a second at least", i-1, i, gap)
			}
			if p.AudioDoneS < last.AudioDoneS || p.WindowsDone < last.WindowsDone {
				t.Fatalf("progress went back: %+v after %+v", p, last)
			}
		}
		if p.Stage == job.StageTranscribe && (p.DurationS != 100 || p.WindowsTotal != 4) {
			t.Fatalf("event %d %+v: want 100 s in 4 windows", i, p)
		}
		last = p
	}
	if last.Stage != job.StageTranscribe || last.WindowsDone < 2 || last.AudioDoneS < 60 {
		t.Fatalf("last event %+v: want at least 2 of 4 windows (60 s) done", last)
	}
}
