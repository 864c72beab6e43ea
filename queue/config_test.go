package queue_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/queue"
)

func TestConfigDefaults(t *testing.T) {
	c := queue.Config{}.WithDefaults()
	want := queue.Config{
		URL: "nats://127.0.0.1:4222", JobsStream: "JOBS", JobsSubject: "transcribe.jobs",
		ResultsStream: "RESULTS", ResultsSubjectPrefix: "transcribe.results", ResultsMaxAge: 72 * time.Hour,
		DLQStream: "DLQ", DLQSubject: "transcribe.dlq", ProgressSubjectPrefix: "transcribe.progress", Consumer: "xdna-workers", LowerEvery: 8,
		AckWait: 60 * time.Second, MaxDeliver: 8, DuplicateWindow: 2 * time.Minute, Replicas: 1,
		BackOff: []time.Duration{}, JobsMaxBytes: 256 << 20, JobsMaxAge: 7 * 24 * time.Hour,
		DLQMaxBytes: 256 << 20, DLQMaxAge: 30 * 24 * time.Hour,
		CancelBucket: "transcribe-cancel", CancelTTL: 24 * time.Hour, CancelMaxBytes: 64 << 20,
	}
	if c.String() != want.String() {
		t.Fatalf("defaults:\n got %v\nwant %v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if got := c.ResultSubject("call-1"); got != "transcribe.results.call-1" {
		t.Fatalf("ResultSubject = %q", got)
	}
	if got := c.ProgressSubject("call-1"); got != "transcribe.progress.call-1" {
		t.Fatalf("ProgressSubject = %q", got)
	}
	// Explicit values survive.
	c = queue.Config{AckWait: time.Second, MaxDeliver: -1, JobsStream: "J"}.WithDefaults()
	if c.AckWait != time.Second || c.MaxDeliver != -1 || c.JobsStream != "J" {
		t.Fatalf("explicit values overwritten: %v", c)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	c := queue.Config{
		JobsStream: "a.b", JobsSubject: "x.*", DLQSubject: "transcribe.results.dlq",
		MaxDeliver: 2, BackOff: []time.Duration{time.Second, 0, time.Second},
		Token: "t", User: "u", CancelBucket: "a.b", CancelTTL: -time.Hour, CancelMaxBytes: 1000,
	}.WithDefaults()
	err := c.Validate()
	if !errors.Is(err, queue.ErrInvalidConfig) {
		t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
	}
	for _, frag := range []string{"JobsStream", "JobsSubject", "overlaps", "BackOff[1]", "more than MaxDeliver", "exclusive", "CANCEL_BUCKET", "CANCEL_TTL", "CANCEL_MAX_BYTES"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not mention %q:\n%v", frag, err)
		}
	}
}

// Progress is published on core NATS: a prefix that a stream's subjects
// overlap would store every event (or feed progress to the workers as jobs).
func TestConfigProgressSubjectMustNotOverlap(t *testing.T) {
	for _, p := range []string{"transcribe.jobs", "transcribe.results", "transcribe.results.p", "transcribe", "transcribe.dlq", "a.*"} {
		c := queue.Config{ProgressSubjectPrefix: p}.WithDefaults()
		if err := c.Validate(); !errors.Is(err, queue.ErrInvalidConfig) || !strings.Contains(err.Error(), "ProgressSubjectPrefix") {
			t.Errorf("ProgressSubjectPrefix %q: Validate = %v", p, err)
		}
	}
	if err := (queue.Config{ProgressSubjectPrefix: "fleet.progress"}).WithDefaults().Validate(); err != nil {
		t.Errorf("a separate prefix: %v", err)
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	c := queue.Config{
		URL:      "nats://alice:hunter2@a:4222, nats://s3cr3ttoken@b:4222",
		User:     "alice",
		Password: "hunter2",
		Token:    "s3cr3ttoken",
	}.WithDefaults()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "nats", c)
	for name, out := range map[string]string{"String": c.String(), "LogValue": buf.String(), "Sprint": slogText(c)} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cr3ttoken") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
		if !strings.Contains(out, "alice") {
			t.Errorf("%s lost the user name: %s", name, out)
		}
	}
	if c.Password != "hunter2" {
		t.Fatal("redaction modified the config")
	}
}

func slogText(c queue.Config) string {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "nats", c)
	return buf.String()
}
