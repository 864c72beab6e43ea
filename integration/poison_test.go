package integration

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
)

// A poison job — one that always times out — reaches the DLQ after
// MAX_DELIVER deliveries, with the reason, the attempts and the last error;
// the jobs around it are unaffected.
func TestPoisonMessage(t *testing.T) {
	c := NewCluster(t, Options{Workers: 2, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "100", "JOB_TIMEOUT": "1s", "MAX_DELIVER": "3", "RETRY_BACKOFF": "200ms",
	}})
	// 10 minutes of audio is 20 windows × 100 ms: always past JOB_TIMEOUT.
	var b bytes.Buffer
	wav.Write(&b, make([]float32, 600*pipeline.SampleRate), pipeline.SampleRate)
	ctx := context.Background()
	if err := c.Store().Put(ctx, c.Audio.Bucket, "poison.wav", bytes.NewReader(b.Bytes()), int64(b.Len()), "audio/wav"); err != nil {
		t.Fatal(err)
	}
	ids := JobIDs("ok", 40)
	c.Submit(ids[:20])
	if err := c.Pub.Submit(ctx, &job.Job{ID: "poison", Audio: job.ObjectRef{Bucket: c.Audio.Bucket, Key: "poison.wav"}}); err != nil {
		t.Fatal(err)
	}
	c.Submit(ids[20:])

	res := c.AwaitResults("ok", len(ids), 2*time.Minute)
	c.CheckExactlyOnce(ids, res)
	deadline := time.Now().Add(time.Minute)
	for len(c.DeadLetters()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poison job never reached the DLQ")
		}
		time.Sleep(200 * time.Millisecond)
	}
	dl := c.DeadLetters()
	if len(dl) != 1 {
		t.Fatalf("%d DLQ entries, want 1: %+v", len(dl), dl)
	}
	e := dl[0]
	if e.JobID != "poison" || e.Attempts != 3 || !strings.HasPrefix(e.Reason, "max_deliver: timeout") || !strings.Contains(e.LastError, "JOB_TIMEOUT") {
		t.Fatalf("DLQ entry %+v", e)
	}
	if n := c.ResultCounts()[c.QC.ResultSubject("poison")]; n != 0 {
		t.Fatalf("the poison job has %d results", n)
	}
	c.WaitJobsEmpty(30 * time.Second)
	t.Logf("poison job dead-lettered after %d deliveries: %q / %q; 40/40 neighbours succeeded", e.Attempts, e.Reason, e.LastError)
}
