package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/storage/embedded"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func start(t *testing.T) (*embedded.Server, *storage.Client) {
	t.Helper()
	srv, err := embedded.Start(t.Context())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	c, err := storage.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func TestStorageAgainstEmbedded(t *testing.T) {
	_, c := start(t)
	ctx := t.Context()

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	for range 2 { // idempotent
		if err := c.EnsureBucket(ctx, "audio"); err != nil {
			t.Fatalf("EnsureBucket: %v", err)
		}
	}

	data := bytes.Repeat([]byte("RIFF....WAVEfmt "), 64<<10) // 1 MiB
	if err := c.Put(ctx, "audio", "2026/11/call-0001.wav", bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	var got bytes.Buffer
	n, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "2026/11/call-0001.wav"}, int64(len(data)), &got)
	if err != nil || n != int64(len(data)) || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("Fetch = %d, %v (equal %v); want the %d bytes put", n, err, bytes.Equal(got.Bytes(), data), len(data))
	}

	// Unknown size goes through a multipart upload.
	if err := c.Put(ctx, "audio", "stream.txt", io.MultiReader(strings.NewReader("streamed")), -1, "text/plain"); err != nil {
		t.Fatalf("Put of unknown size: %v", err)
	}
	got.Reset()
	if _, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "stream.txt"}, 100, &got); err != nil || got.String() != "streamed" {
		t.Fatalf("Fetch = %q, %v", got.String(), err)
	}

	// 20 MiB of known size is uploaded in 16 MiB parts, with chunk-signed
	// bodies (see dechunk).
	big := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 20<<20/8)
	if err := c.Put(ctx, "audio", "big.raw", bytes.NewReader(big), int64(len(big)), ""); err != nil {
		t.Fatalf("Put of 20 MiB: %v", err)
	}
	got.Reset()
	if n, err := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "big.raw"}, int64(len(big)), &got); err != nil || !bytes.Equal(got.Bytes(), big) {
		t.Fatalf("Fetch of 20 MiB = %d, %v (equal %v)", n, err, bytes.Equal(got.Bytes(), big))
	}

	_, err = c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "2026/11/call-0001.wav"}, 1000, io.Discard)
	if job.CodeOf(err) != job.CodeAudioTooLarge {
		t.Errorf("Fetch over the limit: %v; want %s", err, job.CodeAudioTooLarge)
	}
	for _, ref := range []job.ObjectRef{{Bucket: "audio", Key: "missing.wav"}, {Bucket: "nobucket", Key: "a.wav"}} {
		_, err := c.Fetch(ctx, ref, 1<<20, io.Discard)
		if job.CodeOf(err) != job.CodeAudioNotFound || job.IsTransient(err) {
			t.Errorf("Fetch(%+v): %v; want permanent %s", ref, err, job.CodeAudioNotFound)
		}
	}
}

func TestCloseStopsServing(t *testing.T) {
	srv, err := embedded.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c, err := storage.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.EnsureBucket(t.Context(), "audio"); err != nil {
		t.Fatal(err)
	}
	// An idle keep-alive connection must not hold Close up.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if conn, err := net.Dial("tcp", srv.Endpoint()); err == nil {
		conn.Close()
		t.Fatal("server still accepts connections after Close")
	}
	err = c.Ping(t.Context())
	if !job.IsTransient(err) {
		t.Fatalf("Ping after Close: %v; want transient", err)
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if srv, err := embedded.Start(ctx); err == nil {
		srv.Close(context.Background())
		t.Fatal("Start with a cancelled context succeeded")
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start: %v; want context.Canceled", err)
	}
}
