package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/xdna-worker/xdna-worker/job"
)

// S3 error codes the classification names. minio-go exports some of these
// only as untyped constants in an internal list, so they are spelled out.
const (
	codeAccessDenied = "AccessDenied"
)

// notFoundCodes name an object or bucket that does not exist.
var notFoundCodes = map[string]bool{
	"NoSuchKey":     true,
	"NoSuchBucket":  true,
	"NoSuchVersion": true,
}

// invalidNameCodes reject the name itself: the job is at fault.
var invalidNameCodes = map[string]bool{
	"InvalidBucketName":       true,
	"InvalidObjectName":       true,
	"XMinioInvalidObjectName": true,
	"KeyTooLongError":         true,
}

// transientCodes are server-side conditions that clear by themselves: load
// shedding, a server still starting up or healing, timeouts. The credential
// and clock codes are here on purpose too: they mean the worker (or its
// clock, or a rotated key) is misconfigured, not that the job is bad, and
// failing every job permanently while an operator fixes the secret would
// destroy the backlog. Retried, the jobs wait until MaxDeliver.
var transientCodes = map[string]bool{
	"SlowDown":                       true,
	"SlowDownRead":                   true,
	"SlowDownWrite":                  true,
	"ServiceUnavailable":             true,
	"InternalError":                  true,
	"RequestTimeout":                 true,
	"RequestError":                   true,
	"Throttling":                     true,
	"ThrottlingException":            true,
	"RequestLimitExceeded":           true,
	"RequestThrottled":               true,
	"OperationAborted":               true,
	"XMinioServerNotInitialized":     true,
	"XMinioStorageFull":              true,
	"XMinioReadQuorum":               true,
	"XMinioWriteQuorum":              true,
	"XMinioBackendDown":              true,
	"XMinioAdminBucketQuotaExceeded": true,
	"ExpiredToken":                   true,
	"ExpiredTokenException":          true,
	"InvalidAccessKeyId":             true,
	"SignatureDoesNotMatch":          true,
	"RequestTimeTooSkewed":           true,
}

// classify maps an error from minio-go onto the job error model:
//
//   - nil stays nil; a context error (errors.Is context.Canceled or
//     context.DeadlineExceeded) is returned unchanged, as is an error that is
//     already a job error or transient.
//   - S3 errors are classified by their code (minio.ErrorResponse, found with
//     errors.As because minio.ToErrorResponse only recognises an unwrapped
//     value): a missing bucket, object or version, and AccessDenied, get the
//     code missing; an invalid bucket or object name gets job.CodeInvalidJob;
//     throttling, timeouts and server trouble are transient. Any other code
//     is transient if its HTTP status is 5xx (or 408/429) and otherwise a
//     permanent job.CodeInternal.
//   - Network errors (net.Error, refused or reset connections, a body cut
//     short with io.ErrUnexpectedEOF or io.EOF) are transient.
//   - Anything else is a permanent job.CodeInternal.
//
// missing is the code for "not there": job.CodeAudioNotFound when reading a
// job's audio, job.CodeInvalidJob when writing to a bucket the job named.
//
// AccessDenied is deliberately treated as "not there". S3 answers
// AccessDenied instead of NoSuchKey for a missing key when the caller lacks
// s3:ListBucket on the bucket, so the two cannot be told apart from the
// response; and a job pointing at audio the worker may not read cannot
// succeed on retry either. The message says access was denied so an operator
// can tell a policy problem from a typo in the key.
func classify(err error, missing job.Code) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case job.IsTransient(err), isJobError(err):
		return err
	}

	if resp, ok := s3Error(err); ok {
		switch code := resp.Code; {
		case notFoundCodes[code]:
			return job.WithCode(missing, err)
		case code == codeAccessDenied:
			return job.WithCode(missing, fmt.Errorf("access denied (S3 reports a missing key this way without s3:ListBucket permission): %w", err))
		case invalidNameCodes[code]:
			return job.WithCode(job.CodeInvalidJob, err)
		case transientCodes[code], retryableStatus(resp.StatusCode):
			return job.Transient(err)
		default:
			return job.WithCode(job.CodeInternal, err)
		}
	}

	if isNetworkError(err) {
		return job.Transient(err)
	}
	return job.WithCode(job.CodeInternal, err)
}

// retryableStatus reports whether an HTTP status with an unknown S3 code is
// worth retrying: any server error, plus request timeout and too many
// requests.
func retryableStatus(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

// isNetworkError reports whether err is a failure of the connection rather
// than an answer from the server.
func isNetworkError(err error) bool {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// io.EOF reaches classify only when a connection closed before a
		// response or mid-body; a clean end of body is handled by the copy.
		return true
	}
	return false
}

// s3Error finds the minio.ErrorResponse in err's chain. A zero-code,
// zero-status value (what minio.ToErrorResponse returns for a non-S3 error)
// does not count.
func s3Error(err error) (minio.ErrorResponse, bool) {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "" && resp.StatusCode == 0 {
		// ToErrorResponse only type-switches on err itself; look deeper.
		if !errors.As(err, &resp) {
			return minio.ErrorResponse{}, false
		}
	}
	return resp, resp.Code != "" || resp.StatusCode != 0
}

// s3Code returns the S3 error code in err's chain, or "".
func s3Code(err error) string {
	resp, _ := s3Error(err)
	return resp.Code
}

// isJobError reports whether err already carries a job code.
func isJobError(err error) bool {
	var je *job.Error
	return errors.As(err, &je)
}

// validateBucket rejects a bucket name S3 would refuse, before any request.
// The check is the strict, DNS-compatible one that MinIO and all buckets
// created on AWS since 2018 follow; without it a name such as "Bad_Bucket"
// reaches the server as a HEAD request, whose 400 answer has no body and
// hence no S3 code to classify. (Legacy AWS us-east-1 buckets with
// upper-case names are therefore not supported.)
func validateBucket(bucket string) error {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return job.Errorf(job.CodeInvalidJob, "bucket name %q: %w", bucket, err)
	}
	return nil
}

// validateObject rejects bucket and object names S3 would refuse.
func validateObject(bucket, key string) error {
	if err := validateBucket(bucket); err != nil {
		return err
	}
	if err := s3utils.CheckValidObjectName(key); err != nil {
		return job.Errorf(job.CodeInvalidJob, "object name %q: %w", key, err)
	}
	return nil
}
