package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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
