package gateway_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// keysFile writes a GATEWAY_API_KEYS_FILE.
func keysFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// With GATEWAY_API_KEYS_FILE a request needs a known bearer key: else 401
// invalid_api_key. Keys are never logged; the job carries the tenant.
func TestAPIKeys(t *testing.T) {
	e := newEnv(t, map[string]string{"GATEWAY_API_KEYS_FILE": keysFile(t, "# the keys\nsk-acme-secret acme\n\nsk-anon-secret\n")})
	ctx := testCtx(t)
	for _, key := range []string{"sk-wrong", ""} {
		c := e.client(option.WithAPIKey(key), option.WithMaxRetries(0))
		_, err := c.Models.List(ctx)
		if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "invalid_api_key" {
			t.Fatalf("key %q: %d %s", key, apiErr.StatusCode, apiErr.RawJSON())
		}
	}
	c := e.client(option.WithAPIKey("sk-acme-secret"))
	if _, err := c.Models.List(ctx); err != nil {
		t.Fatal(err)
	}
	var raw *http.Response
	res, err := c.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1}, option.WithResponseInto(&raw))
	if err != nil || res.Text == "" {
		t.Fatalf("%v %+v", err, res)
	}
	// The job's metadata names the tenant: its result echoes it.
	if logs := e.logs.String(); strings.Contains(logs, "sk-acme-secret") || strings.Contains(logs, "sk-anon-secret") || strings.Contains(logs, "sk-wrong") {
		t.Fatalf("a key is in the logs:\n%s", logs)
	}
	if got := e.lastMetadata(t); got != `{"tenant":"acme"}` {
		t.Fatalf("metadata %s", got)
	}
	c = e.client(option.WithAPIKey("sk-anon-secret"))
	if _, err := c.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1}); err != nil {
		t.Fatal(err)
	}
	if got := e.lastMetadata(t); !strings.HasPrefix(got, `{"tenant":"key-`) || len(got) != len(`{"tenant":"key-0123456789ab"}`) {
		t.Fatalf("metadata %s", got)
	}
}

// GATEWAY_MAX_CONCURRENT_PER_KEY: one request more than the limit is a
// 429 rate_limit_exceeded; other keys are not affected.
func TestConcurrencyPerKey(t *testing.T) {
	e := newIdleEnv(t, map[string]string{
		"GATEWAY_API_KEYS_FILE":          keysFile(t, "sk-a a\nsk-b b\n"),
		"GATEWAY_MAX_CONCURRENT_PER_KEY": "1",
	})
	ctx := testCtx(t)
	a := e.client(option.WithAPIKey("sk-a"), option.WithMaxRetries(0))
	// No worker: the first request waits for its result until canceled.
	waitCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := a.Audio.Transcriptions.New(waitCtx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1})
		done <- err
	}()
	e.waitJobs(t, 1)
	_, err := a.Models.List(ctx)
	if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("%d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
	b := e.client(option.WithAPIKey("sk-b"), option.WithMaxRetries(0))
	if _, err := b.Models.List(ctx); err != nil {
		t.Fatalf("another key: %v", err)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the waiting request succeeded")
	}
	// The slot is released once the canceled request has ended.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := a.Models.List(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if objects := e.waitNoObjects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}

// GATEWAY_REQUEST_TIMEOUT: a job without a result in time is a 504 with
// OpenAI's body.
func TestRequestTimeout(t *testing.T) {
	e := newIdleEnv(t, map[string]string{"GATEWAY_REQUEST_TIMEOUT": "1s"})
	c := e.client(option.WithMaxRetries(0))
	start := time.Now()
	_, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1})
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusGatewayTimeout || apiErr.Code != "timeout" || time.Since(start) > 20*time.Second {
		t.Fatalf("%d after %v: %s", apiErr.StatusCode, time.Since(start), apiErr.RawJSON())
	}
	if objects := e.objects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}

// GATEWAY_MAX_CONCURRENT bounds the transcriptions in flight whatever
// their key (here without keys): one more is a 503 server_overloaded.
func TestMaxConcurrent(t *testing.T) {
	e := newIdleEnv(t, map[string]string{"GATEWAY_MAX_CONCURRENT": "1"})
	ctx := testCtx(t)
	c := e.client(option.WithMaxRetries(0))
	waitCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.Audio.Transcriptions.New(waitCtx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1})
		done <- err
	}()
	e.waitJobs(t, 1)
	_, err := c.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1})
	if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Code != "server_overloaded" || apiErr.Type != "server_error" {
		t.Fatalf("%d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
	if _, err := c.Models.List(ctx); err != nil {
		t.Fatalf("models are not bounded: %v", err)
	}
	cancel()
	<-done
	if objects := e.waitNoObjects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}
