package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// Events dropped by the once-a-second rule hand their text to the next
// event that goes out, so the texts published add up to the start of the
// transcript; past job.MaxProgressText waiting, events carry no text.
func TestProgressCarriesDroppedText(t *testing.T) {
	srv := natstest.Start(t)
	nc := srv.Conn(t)
	cfg := queue.Config{}.WithDefaults()
	got := make(chan job.Progress, 16)
	sub, err := queue.SubscribeProgress(nc, cfg, func(p *job.Progress) { got <- *p }, "j1")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	p := &progress{nc: nc, cfg: cfg, id: "j1", worker: "w1"}
	next := func() job.Progress {
		t.Helper()
		select {
		case e := <-got:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return job.Progress{}
	}
	ago := func() { p.last = time.Now().Add(-2 * progressEvery) }

	p.report(job.Progress{Stage: job.StageTranscribe, Text: "a"})
	p.report(job.Progress{Stage: job.StageTranscribe, Text: " b"}) // within the second: dropped
	p.report(job.Progress{Stage: job.StageTranscribe, Text: " c"}) // dropped
	ago()
	p.report(job.Progress{Stage: job.StageTranscribe, WindowsDone: 4, WindowsTotal: 4, Text: " d"})
	if e := next(); e.Text != "a" || e.JobID != "j1" || e.Worker != "w1" {
		t.Fatalf("first event %+v", e)
	}
	if e := next(); e.Text != " b c d" || e.WindowsDone != 4 {
		t.Fatalf("second event %+v, want the dropped texts with its own", e)
	}
	// Too much waiting: no text from then on, even when it would fit again.
	p.report(job.Progress{Stage: job.StageTranscribe, Text: strings.Repeat("x", job.MaxProgressText+1)})
	ago()
	p.report(job.Progress{Stage: job.StageTranscribe, Text: "y"})
	if e := next(); e.Text != "" {
		t.Fatalf("event after an overflow carries %d bytes of text", len(e.Text))
	}
}
