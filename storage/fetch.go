package storage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/xdna-worker/xdna-worker/job"
)

// Fetch streams the object ref into w and returns the number of bytes
// written.
//
// The object must be at most maxBytes long (a negative maxBytes means no
// limit). Its size is checked with a HEAD request first, so an object that
// is too large is refused with job.CodeAudioTooLarge without reading any of
// its body. The body is then copied through a cap as well: if the object
// turns out larger than its HEAD said (it was replaced in between, or the
// server lied), the copy stops after reading maxBytes+1 bytes, w has
// received at most maxBytes, and the error is again job.CodeAudioTooLarge.
// The object is never held in memory as a whole.
//
// An error returned by w is passed through wrapped but unclassified, so a
// writer can abort the fetch with its own job error (say
// job.CodeAudioTooLong). Other errors are classified as described in the
// package documentation; in particular a missing or unreadable object gives
// job.CodeAudioNotFound. On error, whatever w received must be discarded.
func (c *Client) Fetch(ctx context.Context, ref job.ObjectRef, maxBytes int64, w io.Writer) (int64, error) {
	what := "s3://" + ref.Bucket + "/" + ref.Key
	if err := validateObject(ref.Bucket, ref.Key); err != nil {
		return 0, c.fail(ctx, "fetch", what, err)
	}
	info, err := c.mc.StatObject(ctx, ref.Bucket, ref.Key, minio.StatObjectOptions{})
	if err != nil {
		return 0, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
	if maxBytes >= 0 && info.Size > maxBytes {
		return 0, c.fail(ctx, "fetch", what, job.Errorf(job.CodeAudioTooLarge,
			"object is %d bytes, more than the limit of %d", info.Size, maxBytes))
	}

	obj, err := c.mc.GetObject(ctx, ref.Bucket, ref.Key, minio.GetObjectOptions{})
	if err != nil {
		return 0, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
	defer obj.Close()

	dst := &trackingWriter{w: w}
	n, err := copyCapped(dst, &ctxReader{ctx: ctx, r: obj}, maxBytes)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, errTooLarge):
		return n, c.fail(ctx, "fetch", what, job.Errorf(job.CodeAudioTooLarge,
			"object holds more than the limit of %d bytes although its size was given as %d", maxBytes, info.Size))
	case dst.failed(err):
		return n, fmt.Errorf("storage: fetch %s: writing: %w", what, err)
	default:
		return n, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
}

// errTooLarge reports that a reader held more bytes than the cap.
var errTooLarge = errors.New("object larger than the limit")

// copyCapped copies r to w until r's end, writing at most limit bytes to w
// and reading at most limit+1 bytes from r. If r holds more than limit bytes
// it returns errTooLarge. A negative limit copies everything.
func copyCapped(w io.Writer, r io.Reader, limit int64) (int64, error) {
	if limit < 0 {
		return io.Copy(w, r)
	}
	n, err := io.Copy(w, io.LimitReader(r, limit))
	if err != nil || n < limit {
		return n, err
	}
	// Exactly limit bytes so far: one more byte means the object is too
	// large, a clean end means it fits exactly.
	var probe [1]byte
	switch _, err := io.ReadFull(r, probe[:]); {
	case err == nil:
		return n, errTooLarge
	case err == io.EOF:
		return n, nil
	default:
		return n, err
	}
}

// ctxReader fails reads once ctx is done, so a cancelled fetch stops at the
// next read even if the transport would keep delivering buffered data.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// trackingWriter remembers whether a copy failed on the writing side, so
// that the writer's errors are not mistaken for storage errors.
type trackingWriter struct {
	w   io.Writer
	err error
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		t.err = err
	}
	return n, err
}

// failed reports whether err came from the writer.
func (t *trackingWriter) failed(err error) bool {
	return t.err != nil && err == t.err
}
