package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestClassify(t *testing.T) {
	s3err := func(code string, status int) error {
		return minio.ErrorResponse{Code: code, StatusCode: status, Message: "msg for " + code}
	}
	refused := &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}

	const (
		transient = "transient"
		same      = "unchanged"
	)
	tests := []struct {
		name string
		err  error
		want string // a job code, transient, or unchanged
	}{
		{"NoSuchKey", s3err("NoSuchKey", 404), string(job.CodeAudioNotFound)},
		{"NoSuchBucket", s3err("NoSuchBucket", 404), string(job.CodeAudioNotFound)},
		{"NoSuchVersion", s3err("NoSuchVersion", 404), string(job.CodeAudioNotFound)},
		{"AccessDenied", s3err("AccessDenied", 403), string(job.CodeAudioNotFound)},
		{"InvalidBucketName", s3err("InvalidBucketName", 400), string(job.CodeInvalidJob)},
		{"InvalidObjectName", s3err("InvalidObjectName", 400), string(job.CodeInvalidJob)},
		{"XMinioInvalidObjectName", s3err("XMinioInvalidObjectName", 400), string(job.CodeInvalidJob)},
		{"KeyTooLongError", s3err("KeyTooLongError", 400), string(job.CodeInvalidJob)},
		{"SlowDown", s3err("SlowDown", 503), transient},
		{"ServiceUnavailable", s3err("ServiceUnavailable", 503), transient},
		{"InternalError", s3err("InternalError", 500), transient},
		{"RequestTimeout", s3err("RequestTimeout", 400), transient},
		{"XMinioServerNotInitialized", s3err("XMinioServerNotInitialized", 503), transient},
		{"SignatureDoesNotMatch", s3err("SignatureDoesNotMatch", 403), transient},
		{"InvalidAccessKeyId", s3err("InvalidAccessKeyId", 403), transient},
		{"RequestTimeTooSkewed", s3err("RequestTimeTooSkewed", 403), transient},
		{"unknown code 502", s3err("502 Bad Gateway", 502), transient},
		{"unknown code 429", s3err("TooManyRequests", 429), transient},
		{"unknown code 400", s3err("MalformedXML", 400), string(job.CodeInternal)},
		{"unknown code 412", s3err("PreconditionFailed", 412), string(job.CodeInternal)},
		{"wrapped S3 error", fmt.Errorf("op: %w", s3err("NoSuchKey", 404)), string(job.CodeAudioNotFound)},
		{"net.OpError", refused, transient},
		{"url.Error", &url.Error{Op: "Get", URL: "http://x", Err: refused}, transient},
		{"bare ECONNRESET", fmt.Errorf("read: %w", syscall.ECONNRESET), transient},
		{"unexpected EOF", io.ErrUnexpectedEOF, transient},
		{"EOF", io.EOF, transient},
		{"context.Canceled", context.Canceled, same},
		{"context.DeadlineExceeded", context.DeadlineExceeded, same},
		{"url.Error wrapping Canceled", &url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, same},
		{"job error", job.Errorf(job.CodeAudioTooLong, "too long"), same},
		{"transient", job.Transient(errors.New("x")), same},
		{"other", errors.New("something odd"), string(job.CodeInternal)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err, job.CodeAudioNotFound)
			if !errors.Is(got, tt.err) {
				t.Errorf("classify(%v) = %v, which does not wrap the original error", tt.err, got)
			}
			switch tt.want {
			case same:
				if got != tt.err {
					t.Errorf("classify(%v) = %v, want it unchanged", tt.err, got)
				}
			case transient:
				if !job.IsTransient(got) {
					t.Errorf("classify(%v) = %v, want transient", tt.err, got)
				}
			default:
				if job.IsTransient(got) {
					t.Errorf("classify(%v) = %v is transient, want permanent %s", tt.err, got, tt.want)
				}
				if code := job.CodeOf(got); string(code) != tt.want {
					t.Errorf("classify(%v) has code %s, want %s", tt.err, code, tt.want)
				}
			}
		})
	}
}

func TestClassifyNil(t *testing.T) {
	if err := classify(nil, job.CodeAudioNotFound); err != nil {
		t.Fatalf("classify(nil) = %v", err)
	}
}

func TestClassifyAccessDeniedSaysSo(t *testing.T) {
	err := classify(minio.ErrorResponse{Code: "AccessDenied", StatusCode: 403, Message: "Access Denied."}, job.CodeAudioNotFound)
	if got := err.Error(); !strings.Contains(got, "access denied") {
		t.Errorf("message %q does not say access was denied", got)
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) || resp.Code != "AccessDenied" {
		t.Errorf("errors.As(minio.ErrorResponse) lost the S3 error: %#v", resp)
	}
}

func TestClassifyMissingCodeForWrites(t *testing.T) {
	err := classify(minio.ErrorResponse{Code: "NoSuchBucket", StatusCode: 404}, job.CodeInvalidJob)
	if code := job.CodeOf(err); code != job.CodeInvalidJob {
		t.Errorf("code %s, want %s", code, job.CodeInvalidJob)
	}
}

// errorBodyS3 answers HEAD for any object (so Fetch goes on to GET) and
// GET, PUT and everything else with status and body.
type errorBodyS3 struct {
	status      int
	contentType string
	body        string
}

func (f *errorBodyS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		h := w.Header()
		h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		h.Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		h.Set("Content-Length", "1000")
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

// TestS3ErrorBodiesNeverInErrors covers issue 8 ("never echo object bytes
// in errors"), storage side: minio-go turns the body of an answer that is
// not an S3 error document into the error's message, so a server or proxy
// that answers with an error status and the object's bytes (or anything
// else) would have them quoted in the job's failed result. Only the status
// and S3 code are told; an S3 error's own message is kept when it is short
// printable text.
func TestS3ErrorBodiesNeverInErrors(t *testing.T) {
	const secret = "SCRT-0f1e2d"
	for _, tt := range []struct {
		name string
		f    errorBodyS3
		want string // in the message
	}{
		{"proxy page", errorBodyS3{http.StatusBadGateway, "text/html", "<html>upstream said: " + secret + "</html>"}, "HTTP 502"},
		{"raw bytes", errorBodyS3{499, "application/octet-stream", "RIFF\x00\x00\x00\x00" + secret + "\xff\xfe"}, "HTTP 499"},
		{"teapot", errorBodyS3{http.StatusTeapot, "text/plain", secret}, "HTTP 418"},
		{"S3 error, long message", errorBodyS3{http.StatusInternalServerError, "application/xml",
			`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>` +
				strings.Repeat(secret+" ", 64) + `</Message></Error>`}, "S3 error InternalError (HTTP 500)"},
		{"S3 error, binary message", errorBodyS3{http.StatusBadRequest, "application/xml",
			`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>` +
				secret + "\t\u00e9" + `</Message></Error>`}, "S3 error InvalidRequest (HTTP 400)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&tt.f)
			defer srv.Close()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c, err := newClient(Config{
				Endpoint: srv.Listener.Addr().String(), AccessKey: "k", SecretKey: "s",
				Region: "us-east-1", MaxRetries: 1,
			}, tr)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			_, fetchErr := c.Fetch(ctx, job.ObjectRef{Bucket: "audio", Key: "a.wav"}, 1<<20, io.Discard)
			putErr := c.Put(ctx, "transcripts", "a.json", strings.NewReader("{}"), 2, "application/json")
			for op, err := range map[string]error{"fetch": fetchErr, "put": putErr} {
				if err == nil {
					t.Fatalf("%s succeeded", op)
				}
				t.Logf("%s: %v", op, err)
				if msg := err.Error(); strings.Contains(msg, "SCRT") || strings.Contains(msg, "RIFF") || strings.Contains(msg, "html") {
					t.Errorf("%s: the error %q repeats the answer's body", op, msg)
				} else if !strings.Contains(msg, tt.want) {
					t.Errorf("%s: the error %q does not say %q", op, msg, tt.want)
				}
				var resp minio.ErrorResponse
				if !errors.As(err, &resp) || resp.StatusCode != tt.f.status {
					t.Errorf("%s: no minio.ErrorResponse with status %d in the chain of %v", op, tt.f.status, err)
				}
			}
		})
	}
	// A short, printable S3 message is still worth reading.
	err := classify(minio.ErrorResponse{Code: "SlowDown", StatusCode: 503, Message: "Please reduce your request rate."}, job.CodeAudioNotFound)
	if got := err.Error(); !strings.Contains(got, "SlowDown") || !strings.Contains(got, "Please reduce your request rate.") {
		t.Errorf("classify(SlowDown) = %q; want the code and the message", got)
	}
}
