package gateway_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// A request that ends before its result (the client went away, or the
// request timed out) cancels its job: nobody would read that transcript.
func TestRequestEndCancelsJob(t *testing.T) {
	for _, tc := range []struct {
		name string
		over map[string]string
		wait time.Duration // the client's own patience
	}{
		{"client gone", nil, 2 * time.Second},
		{"request timeout", map[string]string{"GATEWAY_REQUEST_TIMEOUT": "1s"}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newIdleEnv(t, tc.over) // no worker: the job waits in JOBS
			ctx, cancel := context.WithTimeout(testCtx(t), tc.wait)
			defer cancel()
			c := e.client(option.WithMaxRetries(0))
			if _, err := c.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1}); err == nil {
				t.Fatal("a transcription with no worker succeeded")
			}
			id := e.onlyJobID(t)
			cancels, err := queue.OpenCancels(testCtx(t), e.js, e.cfg.NATS)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				yes, err := cancels.Canceled(testCtx(t), id)
				if err != nil {
					t.Fatal(err)
				}
				if yes {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("job %s of a request that ended is not cancelled", id)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// onlyJobID is the id of the one job JOBS holds.
func (e *env) onlyJobID(t *testing.T) string {
	t.Helper()
	e.waitJobs(t, 1)
	s, err := e.js.Stream(context.Background(), e.cfg.NATS.WithDefaults().JobsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), s.CachedInfo().State.FirstSeq)
	if err != nil {
		t.Fatal(err)
	}
	var j job.Job
	if err := json.Unmarshal(m.Data, &j); err != nil {
		t.Fatal(err)
	}
	return j.ID
}
