package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

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
//
// A body that delivers nothing for the client's stall timeout
// (Config.StallTimeout) is abandoned with a transient error wrapping
// ErrStalled; time spent in w does not count.
//
// No error carries the object's bytes or its size: a job may name an
// object it has no business reading, and its failed result must not tell
// more than that the object is missing, unreadable or too large.
func (c *Client) Fetch(ctx context.Context, ref job.ObjectRef, maxBytes int64, w io.Writer) (int64, error) {
	if err := validateObject(ref.Bucket, ref.Key); err != nil {
		return 0, c.fail(ctx, "fetch", "", err) // the error quotes the name
	}
	what := "s3://" + ref.Bucket + "/" + ref.Key
	info, err := c.mc.StatObject(ctx, ref.Bucket, ref.Key, minio.StatObjectOptions{})
	if err != nil {
		return 0, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
	if maxBytes >= 0 && info.Size > maxBytes {
		return 0, c.fail(ctx, "fetch", what, job.Errorf(job.CodeAudioTooLarge,
			"object is larger than the limit of %d bytes", maxBytes))
	}

	// The body's context: cancelled, with ErrStalled as its cause, when a
	// read waits longer than the stall timeout.
	bodyCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The HTTP response body itself, not a minio.Object: an Object's Read
	// fills the whole buffer before returning, so a slow but steady body
	// would look like a stall; the body's Read returns whatever has
	// arrived, so every byte of progress restarts the stall timer.
	obj, _, _, err := minio.Core{Client: c.mc}.GetObject(bodyCtx, ref.Bucket, ref.Key, minio.GetObjectOptions{})
	if err != nil {
		return 0, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
	defer obj.Close()
	body := newStallReader(obj, c.stall, func() { cancel(ErrStalled) })
	defer body.stop()

	dst := &trackingWriter{w: w}
	n, err := copyCapped(dst, &ctxReader{ctx: ctx, r: body}, maxBytes)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, errTooLarge):
		return n, c.fail(ctx, "fetch", what, job.Errorf(job.CodeAudioTooLarge,
			"object holds more than the limit of %d bytes (more than its size said)", maxBytes))
	case dst.failed(err):
		return n, fmt.Errorf("storage: fetch %s: writing: %w", what, err)
	case ctx.Err() == nil && errors.Is(context.Cause(bodyCtx), ErrStalled):
		// Not wrapping err: it is the cancellation this caused, and must
		// not read as the job's context ending.
		return n, c.fail(ctx, "fetch", what, job.Transient(fmt.Errorf(
			"%w: the server sent no data for %v (S3_STALL_TIMEOUT)", ErrStalled, c.stall)))
	default:
		return n, c.fail(ctx, "fetch", what, classify(err, job.CodeAudioNotFound))
	}
}

// ErrStalled is in the chain of a Fetch error when the object's body stopped
// delivering data for longer than the stall timeout.
var ErrStalled = errors.New("object body stalled")

// stallReader calls onStall when one Read waits longer than d for data.
// Every Read restarts the timer, so any progress, even one byte, resets it;
// only the time inside Read counts, so a slow consumer is never taken for a
// stalled server. The underlying reader must return what it has rather
// than wait for p to fill (as an HTTP response body does).
type stallReader struct {
	r     io.Reader
	d     time.Duration
	timer *time.Timer
}

func newStallReader(r io.Reader, d time.Duration, onStall func()) *stallReader {
	t := time.AfterFunc(d, onStall)
	t.Stop()
	return &stallReader{r: r, d: d, timer: t}
}

func (s *stallReader) Read(p []byte) (int, error) {
	s.timer.Reset(s.d)
	n, err := s.r.Read(p)
	s.timer.Stop()
	return n, err
}

// stop disarms the timer for good.
func (s *stallReader) stop() { s.timer.Stop() }

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
