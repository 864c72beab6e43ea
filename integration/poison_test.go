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

// A poison job — one that always times out — is retried once, then gets a
// failed result with code timeout on its second delivery (not MAX_DELIVER
// deliveries and the DLQ: issue 8, item 11); the jobs around it are
// unaffected.
func TestPoisonMessage(t *testing.T) {
	c := NewCluster(t, Options{Workers: 2, Env: map[string]string{
		"XDNA_SIM_WINDOW_MS": "100", "JOB_TIMEOUT": "1s", "MAX_DELIVER": "5", "RETRY_BACKOFF": "200ms",
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
	if err := c.Pub.Submit(ctx, &job.Job{ID: "bad.poison", Audio: job.ObjectRef{Bucket: c.Audio.Bucket, Key: "poison.wav"}}); err != nil {
		t.Fatal(err)
	}
	c.Submit(ids[20:])

	res := c.AwaitResults("ok", len(ids), 2*time.Minute)
	c.CheckExactlyOnce(ids, res)
	poison := c.AwaitResults("bad", 1, time.Minute)["bad.poison"]
	if len(poison) != 1 {
		t.Fatalf("the poison job has %d results", len(poison))
	}
	r := poison[0]
	if r.Status != job.StatusFailed || r.Error == nil || r.Error.Code != job.CodeTimeout || r.Attempt != 2 || !strings.Contains(r.Error.Message, "JOB_TIMEOUT") {
		t.Fatalf("poison result: status %s attempt %d error %+v", r.Status, r.Attempt, r.Error)
	}
	if dl := c.DeadLetters(); len(dl) != 0 {
		t.Fatalf("%d DLQ entries, want none: %+v", len(dl), dl)
	}
	c.WaitJobsEmpty(30 * time.Second)
	t.Logf("poison job failed %q on delivery %d of 5: %q; 40/40 neighbours succeeded", r.Error.Code, r.Attempt, r.Error.Message)
}
