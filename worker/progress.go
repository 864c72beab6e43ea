package worker

import (
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// progressEvery is the least time between two progress events of a job
// (DESIGN: at most once a second).
const progressEvery = time.Second

// progress publishes one job's progress events. It is used from the job's
// own goroutine only (the worker's stages and the pipeline's callback run
// there), so it needs no lock.
type progress struct {
	nc     *nats.Conn
	cfg    queue.Config
	id     string
	worker string
	last   time.Time
	failed bool
	// text waits for the next event that goes out; noText is set once
	// more than job.MaxProgressText waited, and the job's events carry no
	// text from then on (their texts must stay the start of the result's).
	text   string
	noText bool
}

// progressOf returns the progress publisher of job id.
func (w *Worker) progressOf(id string) *progress {
	return &progress{nc: w.nc, cfg: w.cfg.Queue(), id: id, worker: w.cfg.WorkerID}
}

// report publishes p unless an event of this job went out less than
// progressEvery ago; then p is dropped (the next event carries the newer
// state, and p's text with its own). Progress is best effort: a failed publish never fails the job,
// and after one failure the job publishes no more (the connection is
// down; its result will be retried on its own terms).
func (p *progress) report(e job.Progress) {
	if !p.noText {
		p.text += e.Text
		if len(p.text) > job.MaxProgressText {
			p.text, p.noText = "", true
		}
	}
	now := time.Now()
	if p.failed || (!p.last.IsZero() && now.Sub(p.last) < progressEvery) {
		return
	}
	p.last = now
	e.JobID, e.Worker, e.Text = p.id, p.worker, p.text
	p.text = ""
	if err := queue.PublishProgress(p.nc, p.cfg, &e); err != nil {
		p.failed = true
	}
}
