package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
)

// contentTypes of the transcript formats a job may ask for.
var contentTypes = map[string]string{
	"json": "application/json",
	"txt":  "text/plain; charset=utf-8",
	"srt":  "application/x-subrip; charset=utf-8",
	"vtt":  "text/vtt; charset=utf-8",
}

// writeOutputs writes the transcript in each requested format (json when
// none is named) to <bucket>/<prefix>.<ext> and returns the keys written.
func (w *Worker) writeOutputs(ctx context.Context, j *job.Job, res *job.Result) ([]string, error) {
	formats := j.Output.Formats
	if len(formats) == 0 {
		formats = []string{"json"}
	}
	prefix := j.Output.Prefix
	if prefix == "" {
		prefix = j.ID
	}
	var keys []string
	for _, f := range formats {
		body, err := render(f, res)
		if err != nil {
			return nil, job.WithCode(job.CodeInternal, err)
		}
		key := prefix + "." + f
		// The mark tells the uploads loop this file is a transcript, not an
		// upload to transcribe (when the output bucket notifies too).
		mark := storage.WithMetadata(map[string]string{queue.MetaOutputOf: j.ID})
		if err := w.store.Put(ctx, j.Output.Bucket, key, bytes.NewReader(body), int64(len(body)), contentTypes[f], mark); err != nil {
			return nil, fmt.Errorf("write %s/%s: %w", j.Output.Bucket, key, err)
		}
		keys = append(keys, j.Output.Bucket+"/"+key)
	}
	return keys, nil
}

// render formats a succeeded result as json, txt, srt or vtt.
func render(format string, res *job.Result) ([]byte, error) {
	var b strings.Builder
	switch format {
	case "json":
		r := *res
		r.Status = job.StatusSucceeded
		return json.MarshalIndent(r, "", "  ")
	case "txt":
		b.WriteString(strings.TrimSpace(res.Text))
		b.WriteString("\n")
	case "srt":
		for i, s := range res.Segments {
			fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, stamp(s.Start, ","), stamp(s.End, ","), strings.TrimSpace(s.Text))
		}
	case "vtt":
		b.WriteString("WEBVTT\n\n")
		for _, s := range res.Segments {
			fmt.Fprintf(&b, "%s --> %s\n%s\n\n", stamp(s.Start, "."), stamp(s.End, "."), strings.TrimSpace(s.Text))
		}
	default:
		return nil, fmt.Errorf("unknown output format %q", format)
	}
	return []byte(b.String()), nil
}

// stamp formats seconds as HH:MM:SS<sep>mmm.
func stamp(sec float64, sep string) string {
	ms := int64(sec*1000 + 0.5)
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}
