package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

// countingReader yields n bytes of 'a' (n < 0: endless) and counts how many
// it handed out.
type countingReader struct {
	left int64
	read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if r.left > 0 && int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := range p {
		p[i] = 'a'
	}
	if r.left > 0 {
		r.left -= int64(len(p))
	}
	r.read += int64(len(p))
	return len(p), nil
}

func TestCopyCapped(t *testing.T) {
	const limit = 100 << 10
	tests := []struct {
		name    string
		size    int64 // -1: endless
		limit   int64
		wantN   int64
		tooBig  bool
		maxRead int64
	}{
		{"empty", 0, limit, 0, false, 0},
		{"under", limit - 1, limit, limit - 1, false, limit - 1},
		{"exact", limit, limit, limit, false, limit},
		{"one over", limit + 1, limit, limit, true, limit + 1},
		{"far over", 64 << 20, limit, limit, true, limit + 1},
		{"endless", -1, limit, limit, true, limit + 1},
		{"zero limit, empty", 0, 0, 0, false, 0},
		{"zero limit, one byte", 1, 0, 0, true, 1},
		{"no limit", 3 << 20, -1, 3 << 20, false, 3 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingReader{left: tt.size}
			var dst bytes.Buffer
			n, err := copyCapped(&dst, src, tt.limit)
			if tt.tooBig != errors.Is(err, errTooLarge) || (!tt.tooBig && err != nil) {
				t.Fatalf("copyCapped = %d, %v; want too large: %v", n, err, tt.tooBig)
			}
			if n != tt.wantN || int64(dst.Len()) != tt.wantN {
				t.Errorf("copied %d (writer got %d), want %d", n, dst.Len(), tt.wantN)
			}
			if src.read > tt.maxRead {
				t.Errorf("read %d bytes from the source, want at most %d", src.read, tt.maxRead)
			}
		})
	}
}

func TestCopyCappedReadError(t *testing.T) {
	boom := io.ErrUnexpectedEOF
	r := io.MultiReader(strings.NewReader("abc"), &errReader{boom})
	n, err := copyCapped(io.Discard, r, 10)
	if n != 3 || !errors.Is(err, boom) {
		t.Fatalf("copyCapped = %d, %v; want 3, %v", n, err, boom)
	}
	// The probe read after exactly limit bytes reports errors too.
	r = io.MultiReader(strings.NewReader("abc"), &errReader{boom})
	if n, err := copyCapped(io.Discard, r, 3); n != 3 || !errors.Is(err, boom) {
		t.Fatalf("copyCapped at the limit = %d, %v; want 3, %v", n, err, boom)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// fakeS3 is a minimal S3 endpoint for one object whose HEAD answer can lie
// about the size.
type fakeS3 struct {
	statSize  int64 // Content-Length of HEAD
	body      int64 // bytes the GET serves
	status    int   // if non-zero, every request fails with this status
	code      string
	bodyBytes atomic.Int64 // bytes of GET body actually sent
	requests  atomic.Int64 // requests received
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if f.status != 0 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>fake</Message></Error>`, f.code)
		}
		return
	}
	h := w.Header()
	h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	h.Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	h.Set("Content-Type", "audio/wav")
	switch r.Method {
	case http.MethodHead:
		h.Set("Content-Length", strconv.FormatInt(f.statSize, 10))
	case http.MethodGet:
		h.Set("Content-Length", strconv.FormatInt(f.body, 10))
		n, _ := io.Copy(w, io.LimitReader(&countingReader{left: -1}, f.body))
		f.bodyBytes.Add(n)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func newFakeClient(t *testing.T, f *fakeS3) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := newClient(Config{
		Endpoint: srv.Listener.Addr().String(), AccessKey: "k", SecretKey: "s",
		Region: "us-east-1", MaxRetries: 1,
	}, tr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFetchStatUnderReports covers an object that is larger than its HEAD
// said: Fetch must stop at the cap, not trust the stat.
func TestFetchStatUnderReports(t *testing.T) {
	const maxBytes = 1 << 20
	f := &fakeS3{statSize: 1000, body: 32 << 20}
	c := newFakeClient(t, f)

	var got bytes.Buffer
	n, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "liar.wav"}, maxBytes, &got)
	if code := job.CodeOf(err); code != job.CodeAudioTooLarge || job.IsTransient(err) {
		t.Fatalf("Fetch = %d, %v; want %s", n, err, job.CodeAudioTooLarge)
	}
	if n > maxBytes || int64(got.Len()) > maxBytes {
		t.Errorf("writer received %d bytes (n=%d), more than the limit %d", got.Len(), n, maxBytes)
	}
	// The server may have pushed some socket-buffer's worth beyond the cap
	// before the client hung up, but nowhere near the whole object.
	c.Close()
	if sent := f.bodyBytes.Load(); sent >= f.body {
		t.Errorf("server sent the whole %d-byte body", sent)
	}
}

func TestFetchStatTooLargeNoGet(t *testing.T) {
	f := &fakeS3{statSize: 10 << 20, body: 10 << 20}
	c := newFakeClient(t, f)
	var got bytes.Buffer
	_, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "big.wav"}, 1<<20, &got)
	if job.CodeOf(err) != job.CodeAudioTooLarge {
		t.Fatalf("Fetch: %v; want %s", err, job.CodeAudioTooLarge)
	}
	if got.Len() != 0 || f.bodyBytes.Load() != 0 {
		t.Errorf("writer got %d bytes, server sent %d body bytes; want none", got.Len(), f.bodyBytes.Load())
	}
}

func TestFetchServerErrors(t *testing.T) {
	tests := []struct {
		status    int
		code      string
		transient bool
		want      job.Code
	}{
		{http.StatusServiceUnavailable, "SlowDown", true, ""},
		{http.StatusInternalServerError, "InternalError", true, ""},
		{http.StatusNotFound, "NoSuchKey", false, job.CodeAudioNotFound},
		{http.StatusForbidden, "AccessDenied", false, job.CodeAudioNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := newFakeClient(t, &fakeS3{status: tt.status, code: tt.code})
			_, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "a.wav"}, 1<<20, io.Discard)
			if job.IsTransient(err) != tt.transient || (!tt.transient && job.CodeOf(err) != tt.want) {
				t.Fatalf("Fetch: %v (transient %v, code %s); want transient %v, code %s",
					err, job.IsTransient(err), job.CodeOf(err), tt.transient, tt.want)
			}
		})
	}
}

// A writer's own error comes back unclassified.
func TestFetchWriterErrorPassesThrough(t *testing.T) {
	c := newFakeClient(t, &fakeS3{statSize: 4 << 20, body: 4 << 20})
	tooLong := job.Errorf(job.CodeAudioTooLong, "longer than allowed")
	_, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "a.wav"}, 8<<20, failingWriter{tooLong})
	if !errors.Is(err, tooLong) || job.CodeOf(err) != job.CodeAudioTooLong || job.IsTransient(err) {
		t.Fatalf("Fetch: %v; want the writer's error", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestFetchCancelledBeforeStart(t *testing.T) {
	c := newFakeClient(t, &fakeS3{statSize: 10, body: 10})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "a.wav"}, 1<<20, io.Discard)
	if !errors.Is(err, context.Canceled) || job.IsTransient(err) {
		t.Fatalf("Fetch: %v; want context.Canceled, not transient", err)
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		cfg    Config
		want   string
		secure bool
		bad    bool
	}{
		{Config{Endpoint: "minio:9000"}, "minio:9000", false, false},
		{Config{Endpoint: "minio:9000", UseTLS: true}, "minio:9000", true, false},
		{Config{Endpoint: "https://s3.example.com"}, "s3.example.com", true, false},
		{Config{Endpoint: "http://minio:9000/", UseTLS: true}, "minio:9000", false, false},
		{Config{Endpoint: ""}, "", false, true},
		{Config{Endpoint: "http://minio:9000/bucket"}, "", false, true},
	}
	for _, tt := range tests {
		got, secure, err := parseEndpoint(tt.cfg)
		if (err != nil) != tt.bad || got != tt.want || secure != tt.secure {
			t.Errorf("parseEndpoint(%+v) = %q, %v, %v; want %q, %v, error %v", tt.cfg, got, secure, err, tt.want, tt.secure, tt.bad)
		}
	}
}

// stallingS3 serves one object whose GET body sends head bytes, then
// nothing more until the client hangs up; steady > 0 instead sends the whole
// body in chunks of chunk bytes every steady.
type stallingS3 struct {
	size   int64
	head   int64
	chunk  int64
	steady time.Duration
	hungUp chan struct{} // closed when a stalled GET's client went away
	once   sync.Once
}

func (f *stallingS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	h.Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	h.Set("Content-Length", strconv.FormatInt(f.size, 10))
	if r.Method == http.MethodHead {
		return
	}
	src := &countingReader{left: f.size}
	if f.steady > 0 {
		for {
			n, _ := io.Copy(w, io.LimitReader(src, f.chunk))
			w.(http.Flusher).Flush()
			if n == 0 {
				return
			}
			select {
			case <-time.After(f.steady):
			case <-r.Context().Done():
				return
			}
		}
	}
	io.Copy(w, io.LimitReader(src, f.head))
	w.(http.Flusher).Flush()
	<-r.Context().Done() // the stall: only the client can end it
	f.once.Do(func() { close(f.hungUp) })
}

func newStallClient(t *testing.T, h http.Handler, stall time.Duration) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := newClient(Config{
		Endpoint: srv.Listener.Addr().String(), AccessKey: "k", SecretKey: "s",
		Region: "us-east-1", MaxRetries: 1, StallTimeout: stall,
	}, tr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFetchStallIsTransient covers issue 8 item 11: a body that stops
// flowing mid-object is cut after S3_STALL_TIMEOUT as a transient
// (retried) error, long before the job's own timeout, and the connection is
// dropped.
func TestFetchStallIsTransient(t *testing.T) {
	const stall = time.Second
	f := &stallingS3{size: 10 << 20, head: 256 << 10, hungUp: make(chan struct{})}
	c := newStallClient(t, f, stall)
	// The job's timeout, as far as this test is concerned.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	var got bytes.Buffer
	start := time.Now()
	n, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "trickle.wav"}, 64<<20, &got)
	elapsed := time.Since(start)
	t.Logf("Fetch = %d, %v after %v", n, err, elapsed)
	if !job.IsTransient(err) {
		t.Fatalf("Fetch of a stalled body: %v (code %s); want transient", err, job.CodeOf(err))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the stall error %v looks like a cancellation of the job", err)
	}
	if !strings.Contains(err.Error(), "S3_STALL_TIMEOUT") {
		t.Errorf("the error %q does not name S3_STALL_TIMEOUT", err)
	}
	if elapsed > stall+3*time.Second {
		t.Errorf("the stall was noticed after %v; S3_STALL_TIMEOUT is %v", elapsed, stall)
	}
	if n < f.head || n >= f.size {
		t.Errorf("copied %d bytes; want the %d sent before the stall", n, f.head)
	}
	select {
	case <-f.hungUp:
	case <-time.After(5 * time.Second):
		t.Error("the client did not drop the stalled connection")
	}
}

// A slow but steady body, and a slow writer, are not stalls. The slow
// server dribbles small chunks for more than twice the stall timeout, with
// gaps a tenth of it (so a loaded machine does not turn a gap into a
// stall): the timer must restart on every bit of progress, not only when a
// large read buffer fills.
func TestFetchSlowButSteadyIsNotStalled(t *testing.T) {
	const stall = time.Second
	t.Run("slow server", func(t *testing.T) {
		t.Parallel()
		f := &stallingS3{size: 24 * 512, chunk: 512, steady: stall / 10}
		c := newStallClient(t, f, stall)
		start := time.Now()
		n, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "slow.wav"}, 1<<20, io.Discard)
		t.Logf("Fetch = %d, %v after %v (S3_STALL_TIMEOUT %v)", n, err, time.Since(start), stall)
		if err != nil || n != f.size {
			t.Fatalf("Fetch = %d, %v; want all %d bytes", n, err, f.size)
		}
	})
	t.Run("slow writer", func(t *testing.T) {
		t.Parallel()
		f := &stallingS3{size: 64 << 10, chunk: 64 << 10, steady: time.Millisecond}
		c := newStallClient(t, f, stall)
		w := &slowWriter{delay: 2 * stall}
		n, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: "audio", Key: "slow.wav"}, 1<<20, w)
		if err != nil || n != f.size {
			t.Fatalf("Fetch = %d, %v; want all %d bytes", n, err, f.size)
		}
	})
}

// slowWriter takes delay for its first write.
type slowWriter struct {
	delay time.Duration
	once  sync.Once
}

func (w *slowWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { time.Sleep(w.delay) })
	return len(p), nil
}
