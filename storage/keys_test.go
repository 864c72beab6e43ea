package storage

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// badKeys are object names a job must not use: they climb out of a prefix
// (a ".." segment), are absolute, or carry control characters that forge
// log lines or confuse other S3 tools.
var badKeys = []string{
	"../secret.wav",
	"a/../../b.wav",
	"tenant-a/..",
	"..",
	`a\..\b.wav`,
	"a/ .. /b.wav",
	"/abs/key.wav",
	"/",
	"a\x00b.wav",
	"a\nb.wav",
	"a\rb.wav",
	"a\tb.wav",
	"a\x1bb.wav",
	"a\x7fb.wav",
	"a\u0085b.wav",
	"a\u009bb.wav",
	"bad-utf8-\xff.wav",
	strings.Repeat("k", 1025),
}

// goodKeys look odd but are fine: dots that are not a whole segment.
var goodKeys = []string{
	"a..b.wav", "...", "a/.../b.wav", "a/./b.wav", ".hidden", "..wav", "a/..b", "b../a",
	"2026/11/call-0001.mp3", "ünïcödé/日本語.wav", "with space.wav", strings.Repeat("k", 1024),
}

// TestBadKeysNeverReachTheServer covers issue 8: Fetch, Put and Stat
// refuse traversal, absolute and control-character keys with invalid_job
// before sending any request.
func TestBadKeysNeverReachTheServer(t *testing.T) {
	f := &fakeS3{statSize: 5, body: 5}
	c := newFakeClient(t, f)
	ctx := t.Context()
	for _, key := range badKeys {
		ops := map[string]error{}
		_, ops["fetch"] = c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: key}, 1<<20, io.Discard)
		ops["put"] = c.Put(ctx, "transcripts", key, strings.NewReader("x"), 1, "text/plain")
		_, ops["stat"] = c.Stat(ctx, "audio", key)
		for op, err := range ops {
			if job.CodeOf(err) != job.CodeInvalidJob || job.IsTransient(err) {
				t.Errorf("%s(%.40q): %v; want permanent %s", op, key, err, job.CodeInvalidJob)
				continue
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\x00\n\r\x1b\x7f\u0085\u009b") {
				t.Errorf("%s(%.40q): the message %q carries the key's control characters", op, key, msg)
			}
		}
	}
	if n := f.requests.Load(); n != 0 {
		t.Errorf("the server received %d requests for bad keys; want none", n)
	}

	// Odd but harmless names still work.
	for _, key := range goodKeys {
		var got bytes.Buffer
		if _, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: key}, 1<<20, &got); err != nil || got.Len() != 5 {
			t.Errorf("Fetch(%.40q) = %d bytes, %v; want the object", key, got.Len(), err)
		}
	}
}
