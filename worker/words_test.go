package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/worker"
)

// wordsText is a text decoder whose windows have one segment, with words
// when the job asked for them.
type wordsText struct{}

type wordsSession struct{ words bool }

func (wordsText) Start(_ context.Context, req *pipeline.Request) (pipeline.TextSession, error) {
	return &wordsSession{words: req.WordTimestamps}, nil
}
func (*wordsSession) Close() {}
func (s *wordsSession) DecodeWindow(_ context.Context, _ []float32, w pipeline.Window) (pipeline.WindowText, error) {
	seg := job.Segment{Start: w.Start.Seconds(), End: w.Start.Seconds() + 0.5, Text: "Hi there."}
	if s.words {
		seg.Words = []job.Word{{Word: " Hi", Start: seg.Start, End: seg.Start + 0.2, Probability: 0.9},
			{Word: " there.", Start: seg.Start + 0.2, End: seg.End, Probability: 0.8}}
	}
	return pipeline.WindowText{Language: "en", Segments: []job.Segment{seg}}, nil
}

// Issue 9, item 5: a job's word_timestamps reaches the text decoder and the
// words reach the result; a job without it gets none.
func TestWordTimestampsJob(t *testing.T) {
	e := newEnv(t)
	e.startWorkerWith(nil, worker.OpenWithText(wordsText{}))
	for _, in := range []string{`{"job_id":"words","word_timestamps":true}`, `{"job_id":"plain"}`} {
		var j job.Job
		if err := json.Unmarshal([]byte(in), &j); err != nil {
			t.Fatal(err)
		}
		j.Audio = e.put(j.ID+".wav", tone(1))
		e.submit(&j)
	}
	rs := e.results(2, time.Minute)
	r := rs["words"][0]
	if r.Status != job.StatusSucceeded || len(r.Segments) != 1 || len(r.Segments[0].Words) != 2 || r.Segments[0].Words[1].Word != " there." {
		t.Fatalf("words: %s", mustJSON(r))
	}
	r = rs["plain"][0]
	if r.Status != job.StatusSucceeded || len(r.Segments) != 1 || r.Segments[0].Words != nil {
		t.Fatalf("plain: %s", mustJSON(r))
	}
}
