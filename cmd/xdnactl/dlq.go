package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/xdna-worker/xdna-worker/queue"
)

// dlq lists, replays and purges dead letters:
//
//	xdnactl dlq list [--json]
//	xdnactl dlq replay SEQ... | --all
//	xdnactl dlq purge SEQ... | --all
func dlq(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("usage: dlq list|replay|purge")}
	}
	verb := args[0]
	fs := flag.NewFlagSet("dlq "+verb, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "list as JSON lines")
	all := fs.Bool("all", false, "every entry")
	if err := parse(fs, cfg, args[1:]); err != nil {
		return err
	}
	var seqs []uint64
	for _, a := range fs.Args() {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return usageError{fmt.Errorf("%q is not a DLQ sequence number", a)}
		}
		seqs = append(seqs, n)
	}
	if verb != "list" && len(seqs) == 0 && !*all {
		return usageError{fmt.Errorf("dlq %s needs SEQ... or --all", verb)}
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
		if *asJSON {
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
		if *all {
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
