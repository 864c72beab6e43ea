package main

import (
	"context"
	"fmt"
	"time"

	"github.com/xdna-worker/xdna-worker/queue"
)

// cancelTimeout bounds each cancellation's round trip to the server.
const cancelTimeout = 10 * time.Second

// cancelCmd cancels jobs:
//
//	xdnactl cancel JOB_ID...
//
// A job still queued ends canceled when a worker picks it up; a running
// one stops within about a second. Either way its result is a failed one
// with code canceled.
type cancelCmd struct {
	IDs  []string  `arg:"" name:"job-id" help:"Ids of the jobs to cancel."`
	Conn connFlags `embed:""`
}

// Run writes one cancellation per job id and prints "canceled ID" for
// each; the ids it could not cancel are reported on stderr and make the
// command fail.
func (c *cancelCmd) Run(a *app) error {
	cfg, err := c.Conn.config()
	if err != nil {
		return err
	}
	nc, js, err := connect(a.ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	cancels, err := queue.OpenCancels(a.ctx, js, cfg.queue())
	if err != nil {
		return err
	}
	failed := 0
	for _, id := range c.IDs {
		ctx, cancel := context.WithTimeout(a.ctx, cancelTimeout)
		err := cancels.Cancel(ctx, id)
		cancel()
		if err != nil {
			failed++
			fmt.Fprintf(a.stderr, "%.140s: not canceled: %v\n", id, err)
			continue
		}
		fmt.Fprintln(a.stdout, "canceled", id)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d jobs not canceled", failed, len(c.IDs))
	}
	return nil
}
