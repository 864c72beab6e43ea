package worker

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/transcript"
)

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
		body, err := transcript.Render(f, j.Task, res, j.Output.MaxLineWidth)
		if err != nil {
			return nil, job.WithCode(job.CodeInternal, err)
		}
		key := prefix + "." + transcript.Extension(f)
		// The mark tells the uploads loop this file is a transcript, not an
		// upload to transcribe (when the output bucket notifies too).
		mark := storage.WithMetadata(map[string]string{queue.MetaOutputOf: j.ID})
		if err := w.store.Put(ctx, j.Output.Bucket, key, bytes.NewReader(body), int64(len(body)), transcript.ContentType(f), mark); err != nil {
			return nil, fmt.Errorf("write %s/%s: %w", j.Output.Bucket, key, err)
		}
		keys = append(keys, j.Output.Bucket+"/"+key)
	}
	return keys, nil
}
