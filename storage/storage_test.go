package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
)

// setup starts a MinIO server and returns a client and an existing bucket.
func setup(t *testing.T) (*miniotest.Server, *storage.Client, string) {
	t.Helper()
	srv := miniotest.Start(t)
	c := srv.Client(t)
	const bucket = "audio"
	if err := c.EnsureBucket(t.Context(), bucket); err != nil {
		t.Fatalf("EnsureBucket: %v", err)
	}
	return srv, c, bucket
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestPutFetchRoundTrip(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	for _, size := range []int{0, 1, 100 << 10, 5<<20 + 3} {
		data := randomBytes(t, size)
		key := "2026/11/obj-" + strings.Repeat("x", size%7) + ".wav"
		if err := c.Put(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
			t.Fatalf("Put %d bytes: %v", size, err)
		}
		var got bytes.Buffer
		n, err := c.Fetch(ctx, job.ObjectRef{Bucket: bucket, Key: key}, int64(size), &got)
		if err != nil {
			t.Fatalf("Fetch %d bytes (limit = size): %v", size, err)
		}
		if n != int64(size) || !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("Fetch returned %d bytes (writer %d), want the %d put", n, got.Len(), size)
		}
	}
}

func TestPutUnknownSize(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	data := randomBytes(t, 1<<20+17)
	// io.MultiReader hides the length and any Seek/ReaderAt.
	if err := c.Put(t.Context(), bucket, "unknown", io.MultiReader(bytes.NewReader(data)), -1, "application/octet-stream"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	var got bytes.Buffer
	if _, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "unknown"}, -1, &got); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("got %d bytes back, want %d", got.Len(), len(data))
	}
}

func TestFetchNotFound(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	for _, ref := range []job.ObjectRef{
		{Bucket: bucket, Key: "no/such/key.wav"},
		{Bucket: "no-such-bucket", Key: "key.wav"},
	} {
		var got bytes.Buffer
		n, err := c.Fetch(t.Context(), ref, 1<<20, &got)
		if job.CodeOf(err) != job.CodeAudioNotFound || job.IsTransient(err) {
			t.Errorf("Fetch(%+v) = %d, %v; want permanent %s", ref, n, err, job.CodeAudioNotFound)
		}
		if got.Len() != 0 {
			t.Errorf("Fetch(%+v) wrote %d bytes", ref, got.Len())
		}
	}
}

func TestFetchInvalidNames(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	for _, ref := range []job.ObjectRef{
		{Bucket: "No_Such..Bucket", Key: "key.wav"},
		{Bucket: "Bad_Bucket", Key: "key.wav"},
		{Bucket: "ab", Key: "key.wav"},
		{Bucket: bucket, Key: ""},
	} {
		_, err := c.Fetch(t.Context(), ref, 1<<20, io.Discard)
		if job.CodeOf(err) != job.CodeInvalidJob || job.IsTransient(err) {
			t.Errorf("Fetch(%+v): %v; want permanent %s", ref, err, job.CodeInvalidJob)
		}
	}
}

// countingTransport counts GET requests and response body bytes.
type countingTransport struct {
	http.RoundTripper
	gets      atomic.Int64
	bodyBytes atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		t.gets.Add(1)
	}
	resp, err := t.RoundTripper.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.bodyBytes}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// A 64 MiB object against a 1 MiB cap is refused from its HEAD alone: no
// GET is sent and the writer receives nothing.
func TestFetchTooLargeReadsNothing(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	const size, maxBytes = 64 << 20, 1 << 20
	if err := c.Put(t.Context(), bucket, "big.wav", io.LimitReader(zeros{}, size), size, "audio/wav"); err != nil {
		t.Fatalf("Put: %v", err)
	}

	tr := &countingTransport{RoundTripper: &http.Transport{}}
	defer tr.RoundTripper.(*http.Transport).CloseIdleConnections()
	watched, err := storage.NewWithTransport(srv.Config(), tr)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	start := time.Now()
	n, err := watched.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "big.wav"}, maxBytes, &got)
	elapsed := time.Since(start)
	if job.CodeOf(err) != job.CodeAudioTooLarge || job.IsTransient(err) {
		t.Fatalf("Fetch = %d, %v; want %s", n, err, job.CodeAudioTooLarge)
	}
	if n != 0 || got.Len() != 0 {
		t.Errorf("writer received %d bytes (n=%d), want 0", got.Len(), n)
	}
	if gets, body := tr.gets.Load(), tr.bodyBytes.Load(); gets != 0 || body > 0 {
		t.Errorf("Fetch sent %d GET requests and read %d body bytes; want a HEAD only", gets, body)
	}
	t.Logf("refused a %d-byte object in %v", size, elapsed)

	// With room for it, the same object is read in full.
	n, err = c.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "big.wav"}, size, io.Discard)
	if err != nil || n != size {
		t.Fatalf("Fetch with limit %d = %d, %v", size, n, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestFetchOneByteOver(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	data := randomBytes(t, 1000)
	if err := c.Put(t.Context(), bucket, "k", bytes.NewReader(data), int64(len(data)), ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "k"}, 999, io.Discard)
	if job.CodeOf(err) != job.CodeAudioTooLarge {
		t.Fatalf("Fetch with limit 999 of 1000 bytes: %v; want %s", err, job.CodeAudioTooLarge)
	}
}

// Anonymous requests to a private bucket get a real AccessDenied from MinIO.
func TestFetchAccessDenied(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	if err := c.Put(t.Context(), bucket, "secret.wav", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	cfg.AccessKey, cfg.SecretKey = "", ""
	anon, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	_, err = anon.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "secret.wav"}, 1<<20, io.Discard)
	if job.CodeOf(err) != job.CodeAudioNotFound || job.IsTransient(err) {
		t.Fatalf("anonymous Fetch: %v; want permanent %s", err, job.CodeAudioNotFound)
	}
	if !strings.Contains(err.Error(), "access denied") {
		t.Errorf("error %q does not say access was denied", err)
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) || resp.Code != "AccessDenied" {
		t.Errorf("S3 error in chain = %#v, want code AccessDenied", resp)
	}
}

// Wrong credentials are the worker's problem, not the job's: transient.
func TestFetchBadCredentials(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	if err := c.Put(t.Context(), bucket, "a.wav", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	cfg.SecretKey = "wrong-secret"
	cfg.MaxRetries = 1
	bad, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.Fetch(t.Context(), job.ObjectRef{Bucket: bucket, Key: "a.wav"}, 1<<20, io.Discard)
	if !job.IsTransient(err) {
		t.Fatalf("Fetch with a wrong secret: %v (code %s); want transient", err, job.CodeOf(err))
	}
	if err := bad.Ping(t.Context()); err == nil {
		t.Fatal("Ping with a wrong secret succeeded")
	}
}

// A stopped server is a transient failure; after a restart the same object
// is fetched again.
func TestFetchServerOutage(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ref := job.ObjectRef{Bucket: bucket, Key: "a.wav"}
	if err := c.Put(t.Context(), bucket, ref.Key, strings.NewReader("hello"), 5, "audio/wav"); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	start := time.Now()
	_, err := c.Fetch(t.Context(), ref, 1<<20, io.Discard)
	if !job.IsTransient(err) {
		t.Fatalf("Fetch from a stopped server: %v (code %s); want transient", err, job.CodeOf(err))
	}
	t.Logf("outage reported after %v: %v", time.Since(start), err)
	if err := c.Ping(t.Context()); !job.IsTransient(err) {
		t.Errorf("Ping of a stopped server: %v; want transient", err)
	}

	srv.Restart(t)
	var got bytes.Buffer
	if _, err := c.Fetch(t.Context(), ref, 1<<20, &got); err != nil || got.String() != "hello" {
		t.Fatalf("Fetch after restart = %q, %v", got.String(), err)
	}
}

func TestFetchCancel(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	const size = 16 << 20
	if err := c.Put(t.Context(), bucket, "long.wav", io.LimitReader(zeros{}, size), size, "audio/wav"); err != nil {
		t.Fatal(err)
	}
	ref := job.ObjectRef{Bucket: bucket, Key: "long.wav"}

	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Fetch(ctx, ref, size, io.Discard)
		if !errors.Is(err, context.Canceled) || job.IsTransient(err) || isJobError(err) {
			t.Fatalf("Fetch: %v; want only context.Canceled", err)
		}
	})
	t.Run("mid-stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		w := &cancellingWriter{after: 1 << 20, cancel: cancel}
		n, err := c.Fetch(ctx, ref, size, w)
		if !errors.Is(err, context.Canceled) || job.IsTransient(err) || isJobError(err) {
			t.Fatalf("Fetch: %v; want only context.Canceled", err)
		}
		if n >= size {
			t.Errorf("Fetch copied all %d bytes despite cancellation", n)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Nanosecond)
		defer cancel()
		<-ctx.Done()
		_, err := c.Fetch(ctx, ref, size, io.Discard)
		if !errors.Is(err, context.DeadlineExceeded) || job.IsTransient(err) {
			t.Fatalf("Fetch: %v; want context.DeadlineExceeded", err)
		}
	})
}

// cancellingWriter cancels its context once it has received after bytes.
type cancellingWriter struct {
	n, after int
	cancel   context.CancelFunc
}

func (w *cancellingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n >= w.after {
		w.cancel()
	}
	return len(p), nil
}

func isJobError(err error) bool {
	var je *job.Error
	return errors.As(err, &je)
}

func TestEnsureBucket(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	c := srv.Client(t)
	ctx := t.Context()

	// Racing creators all succeed.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = c.EnsureBucket(ctx, "transcripts") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("EnsureBucket #%d: %v", i, err)
		}
	}
	// And again, sequentially.
	if err := c.EnsureBucket(ctx, "transcripts"); err != nil {
		t.Fatalf("EnsureBucket on an existing bucket: %v", err)
	}
	if err := c.Put(ctx, "transcripts", "x.txt", strings.NewReader("x"), 1, "text/plain"); err != nil {
		t.Fatalf("Put into the ensured bucket: %v", err)
	}
	// Anonymous: may neither look nor create; the existing bucket is
	// assumed usable.
	cfg := srv.Config()
	cfg.AccessKey, cfg.SecretKey = "", ""
	anon, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	if err := anon.EnsureBucket(ctx, "transcripts"); err != nil {
		t.Errorf("anonymous EnsureBucket of an existing bucket: %v", err)
	}
	if err := anon.Put(ctx, "transcripts", "y.txt", strings.NewReader("y"), 1, "text/plain"); job.CodeOf(err) != job.CodeInvalidJob || job.IsTransient(err) {
		t.Errorf("anonymous Put: %v; want permanent %s", err, job.CodeInvalidJob)
	}
	if err := c.EnsureBucket(ctx, "Bad_Bucket"); job.CodeOf(err) != job.CodeInvalidJob {
		t.Fatalf("EnsureBucket(Bad_Bucket): %v; want %s", err, job.CodeInvalidJob)
	}
}

func TestPutMissingBucket(t *testing.T) {
	t.Parallel()
	_, c, _ := setup(t)
	err := c.Put(t.Context(), "no-such-bucket", "x.txt", strings.NewReader("x"), 1, "text/plain")
	if job.CodeOf(err) != job.CodeInvalidJob || job.IsTransient(err) {
		t.Fatalf("Put into a missing bucket: %v; want %s", err, job.CodeInvalidJob)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	c := srv.Client(t)
	if err := c.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// Anonymous: AccessDenied for ListBuckets still proves the endpoint is up.
	cfg := srv.Config()
	cfg.AccessKey, cfg.SecretKey = "", ""
	anon, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	if err := anon.Ping(t.Context()); err != nil {
		t.Fatalf("anonymous Ping: %v", err)
	}
}

// TestTLSWithPrivateCA covers issue 8 item 15 (S3 side): a MinIO server
// speaking https with a certificate from a CA made for the test is reached
// with S3_TLS_CA naming that CA, and refused without it.
func TestTLSWithPrivateCA(t *testing.T) {
	t.Setenv("SSL_CERT_FILE", "") // only S3_TLS_CA may make the CA trusted
	srv := miniotest.Start(t, miniotest.WithTLS())
	if !strings.HasPrefix(srv.URL(), "https://") || srv.CAFile() == "" {
		t.Fatalf("URL %q, CA file %q: not a TLS server", srv.URL(), srv.CAFile())
	}
	ctx := t.Context()

	cfg := srv.Config() // S3_USE_TLS=true, S3_TLS_CA=<the test's CA>
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.EnsureBucket(ctx, "audio"); err != nil {
		t.Fatalf("EnsureBucket over TLS: %v", err)
	}
	data := randomBytes(t, 100<<10)
	if err := c.Put(ctx, "audio", "tls.wav", bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
		t.Fatalf("Put over TLS: %v", err)
	}
	var got bytes.Buffer
	if _, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "tls.wav"}, 1<<20, &got); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("Fetch over TLS = %d bytes, %v", got.Len(), err)
	}

	// Without the CA the server's certificate is unknown: every request
	// fails, and a job meeting that is retried (the worker is
	// misconfigured, the job is fine).
	noCA := cfg
	noCA.TLSCA = ""
	bad, err := storage.New(noCA)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.Ping(ctx); err == nil {
		t.Fatal("Ping without S3_TLS_CA succeeded")
	} else if !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "S3_TLS_CA") {
		t.Errorf("Ping without S3_TLS_CA: %v; want a certificate error that names S3_TLS_CA", err)
	}
	_, err = bad.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "tls.wav"}, 1<<20, io.Discard)
	if !job.IsTransient(err) || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "S3_TLS_CA") {
		t.Errorf("Fetch without S3_TLS_CA: %v; want a transient certificate error that names S3_TLS_CA", err)
	}
	t.Logf("without S3_TLS_CA: %v", err)

	// A CA file that is not PEM, or is missing, is a configuration error.
	for _, ca := range []string{writeFile(t, "garbage"), filepath.Join(t.TempDir(), "missing.pem")} {
		badCA := cfg
		badCA.TLSCA = ca
		if err := badCA.Validate(); err == nil || !strings.Contains(err.Error(), "S3_TLS_CA") {
			t.Errorf("Validate with S3_TLS_CA=%s: %v; want an error naming S3_TLS_CA", ca, err)
		}
		if _, err := storage.New(badCA); err == nil {
			t.Errorf("New with S3_TLS_CA=%s succeeded", ca)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
