package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/xdna-worker/xdna-worker/queue"
)

// dlqCmd lists, replays and purges dead letters:
//
//	xdnactl dlq list [--json]
//	xdnactl dlq replay SEQ... | --all
//	xdnactl dlq purge SEQ... | --all
type dlqCmd struct {
	Conn   connFlags    `embed:""`
	List   dlqListCmd   `cmd:"" help:"List dead letters: SEQ JOB ATTEMPTS PUBLISHED REASON LAST ERROR."`
	Replay dlqReplayCmd `cmd:"" help:"Publish dead letters back into JOBS and delete them from the DLQ."`
	Purge  dlqPurgeCmd  `cmd:"" help:"Delete dead letters."`
}

type dlqListCmd struct {
	JSON bool `name:"json" help:"List as JSON lines."`
}

type dlqReplayCmd struct {
	All  bool     `help:"Every entry."`
	Seqs []uint64 `arg:"" optional:"" name:"seq" help:"DLQ sequence numbers."`
}

type dlqPurgeCmd struct {
	All  bool     `help:"Every entry."`
	Seqs []uint64 `arg:"" optional:"" name:"seq" help:"DLQ sequence numbers."`
}

// Run lists the dead letters.
func (c *dlqListCmd) Run(a *app, parent *dlqCmd) error {
	return dlq(a.ctx, &parent.Conn, "list", nil, false, c.JSON, a.stdout)
}

// Run replays the dead letters given.
func (c *dlqReplayCmd) Run(a *app, parent *dlqCmd) error {
	return dlq(a.ctx, &parent.Conn, "replay", c.Seqs, c.All, false, a.stdout)
}

// Run purges the dead letters given.
func (c *dlqPurgeCmd) Run(a *app, parent *dlqCmd) error {
	return dlq(a.ctx, &parent.Conn, "purge", c.Seqs, c.All, false, a.stdout)
}

// dlq runs one dead-letter verb.
func dlq(ctx context.Context, conn *connFlags, verb string, seqs []uint64, all, asJSON bool, stdout io.Writer) error {
	if verb != "list" && len(seqs) == 0 && !all {
		return usageError{fmt.Errorf("dlq %s needs SEQ... or --all", verb)}
	}
	cfg, err := conn.config()
	if err != nil {
		return err
	}
	nc, js, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	qc := cfg.queue()
	switch verb {
	case "list":
		entries, err := queue.DeadLetters(ctx, js, qc)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			for _, e := range entries {
				enc.Encode(e)
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tJOB\tATTEMPTS\tPUBLISHED\tREASON\tLAST ERROR")
		for _, e := range entries {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", e.Seq, e.JobID, e.Attempts, e.Published.Format("2006-01-02 15:04:05"), e.Reason, e.LastError)
		}
		return tw.Flush()
	case "replay":
		if all {
			entries, err := queue.DeadLetters(ctx, js, qc)
			if err != nil {
				return err
			}
			for _, e := range entries {
				seqs = append(seqs, e.Seq)
			}
		}
		for _, seq := range seqs {
			if err := queue.Replay(ctx, js, qc, seq); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "replayed", seq)
		}
		return nil
	case "purge":
		if err := queue.Purge(ctx, js, qc, seqs...); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "purged")
		return nil
	}
	return usageError{fmt.Errorf("unknown dlq command %q", verb)}
}
