package queue_test

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// A subscriber gets the progress of the jobs it asked for, decoded and
// checked, and nothing else: not other jobs' events, not events whose
// job_id disagrees with their subject, not garbage.
func TestProgressPublishSubscribe(t *testing.T) {
	srv := natstest.Start(t)
	nc := srv.Conn(t)
	cfg := queue.Config{}.WithDefaults()
	got := make(chan job.Progress, 16)
	for _, ids := range [][]string{{"call-1"}, {"call-1", "call-3"}} {
		sub, err := queue.SubscribeProgress(nc, cfg, func(p *job.Progress) { got <- *p }, ids...)
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		want := job.Progress{JobID: "call-1", Stage: job.StageTranscribe, WindowsDone: 1, WindowsTotal: 2, AudioDoneS: 30, DurationS: 45, Worker: "w1"}
		for _, p := range []job.Progress{{JobID: "call-2", Stage: job.StageFetch}, want} {
			if err := queue.PublishProgress(nc, cfg, &p); err != nil {
				t.Fatal(err)
			}
		}
		for _, raw := range []string{`{"job_id":"call-2","stage":"fetch"}`, `garbage`} {
			if err := nc.Publish(cfg.ProgressSubject("call-1"), []byte(raw)); err != nil {
				t.Fatal(err)
			}
		}
		// A marker after everything: once it arrives, all before it has.
		end := job.Progress{JobID: "call-1", Stage: job.StageFetch}
		if err := queue.PublishProgress(nc, cfg, &end); err != nil {
			t.Fatal(err)
		}
		for _, w := range []job.Progress{want, end} {
			select {
			case p := <-got:
				if p != w {
					t.Fatalf("ids %v: got %+v, want %+v", ids, p, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("ids %v: no progress event", ids)
			}
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			t.Fatalf("ids %v: unexpected event %+v", ids, p)
		default:
		}
	}
}
