package storage_test

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestRemove(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	if err := c.Put(ctx, bucket, "gone.wav", bytes.NewReader([]byte("x")), 1, "audio/wav"); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, bucket, "gone.wav"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := c.Stat(ctx, bucket, "gone.wav"); job.CodeOf(err) != job.CodeAudioNotFound {
		t.Fatalf("Stat after Remove: %v, want %s", err, job.CodeAudioNotFound)
	}
	if err := c.Remove(ctx, bucket, "gone.wav"); err != nil {
		t.Fatalf("Remove of a missing object: %v", err)
	}
	if err := c.Remove(ctx, bucket, "../x"); job.CodeOf(err) != job.CodeInvalidJob {
		t.Fatalf("Remove of an invalid key: %v", err)
	}
}
