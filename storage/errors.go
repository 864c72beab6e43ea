package storage

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

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
		err = &s3ErrorText{err: err, resp: resp}
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

	if hint := tlsHint(err); hint != "" {
		// A worker that does not trust the endpoint: its configuration is
		// at fault, not the job, so retried like an outage.
		return job.Transient(fmt.Errorf("%w (%s)", err, hint))
	}
	if isNetworkError(err) {
		return job.Transient(err)
	}
	return job.WithCode(job.CodeInternal, err)
}

// tlsHint says what to do about a certificate the client refused, or ""
// when err is not such a refusal.
func tlsHint(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &unknownCA):
		return "the S3 endpoint's certificate is signed by a CA this worker does not trust: " +
			"set S3_TLS_CA to a PEM file holding that CA"
	case errors.As(err, &hostname):
		return "the S3 endpoint's certificate is not valid for the host name in S3_ENDPOINT"
	}
	return ""
}

// s3ErrorText stands in for the text of an S3 error answer, keeping the
// error itself (and its minio.ErrorResponse, for errors.As) in the chain.
// minio-go makes the message of an answer that is not an S3 XML error (a
// proxy's page, a misrouted request, a server that answers a GET with an
// error status and the object) out of its body, up to 1 KiB of it: those
// bytes must not reach a job's failed result or the logs. So the text is
// the S3 code and HTTP status, plus the server's message only when the
// answer was an S3 error and the message is short printable text.
type s3ErrorText struct {
	err  error
	resp minio.ErrorResponse
}

// maxS3Message is the longest server message an error repeats.
const maxS3Message = 200

func (e *s3ErrorText) Error() string {
	r := e.resp
	if !isS3Code(r.Code) {
		// minio-go sets Code to the HTTP status line when the body was
		// not an S3 error document.
		return fmt.Sprintf("HTTP %s from S3, not an S3 error document (its body is not shown)",
			strings.TrimSpace(fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))))
	}
	msg := fmt.Sprintf("S3 error %s (HTTP %d)", r.Code, r.StatusCode)
	if m := strings.TrimSpace(r.Message); m != "" && len(m) <= maxS3Message && isPrintableASCII(m) {
		msg += ": " + m
	}
	return msg
}

func (e *s3ErrorText) Unwrap() error { return e.err }

// isS3Code reports whether code looks like an S3 error code (AccessDenied,
// XMinioServerNotInitialized): a letter, then letters, digits and dots.
func isS3Code(code string) bool {
	if code == "" || len(code) > 64 || !isASCIILetter(code[0]) {
		return false
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; !isASCIILetter(c) && !('0' <= c && c <= '9') && c != '.' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// isPrintableASCII reports whether s has only printable ASCII characters.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
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
		return job.Errorf(job.CodeInvalidJob, "bucket name %s: %w", quoteName(bucket), err)
	}
	return nil
}

// validateObject rejects bucket and object names S3 would refuse, and keys
// ValidateKey refuses.
func validateObject(bucket, key string) error {
	if err := validateBucket(bucket); err != nil {
		return err
	}
	return ValidateKey(key)
}

// MaxKeyBytes is the longest object key S3 accepts.
const MaxKeyBytes = 1024

// ValidateKey reports whether key may name an object a job reads or
// writes. It refuses, with job.CodeInvalidJob, a key that
//
//   - is empty or blank, longer than MaxKeyBytes, or not UTF-8;
//   - starts with "/";
//   - has a ".." path segment (between "/" or "\" separators, or the ends;
//     spaces around it do not count), which file-system backed servers and
//     gateways, sync tools and prefix-scoped policies may resolve to a name
//     outside the prefix it seems to be in;
//   - contains a control character (C0, DEL or C1), which would forge lines
//     in logs and listings.
//
// Dots inside a segment ("a..b", "..."), and "." segments, are fine. Fetch,
// Put and Stat check every key with it before sending any request; callers
// check job input with it (and prefixes with ValidatePrefix) to refuse a job
// up front. The error quotes at most the first 64 characters of the key,
// escaped.
func ValidateKey(key string) error {
	if strings.TrimSpace(key) == "" {
		return job.Errorf(job.CodeInvalidJob, "object key is empty")
	}
	return checkName("object key", key)
}

// ValidatePrefix is ValidateKey for a prefix that keys are made from (a
// job's output.prefix, UPLOADS_OUTPUT_PREFIX): the same rules, except that
// it may be empty. A prefix that passes can still make a bad key with what
// is appended to it ("a/." and "./b"); Put checks the final key too.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return checkName("prefix", prefix)
}

// checkName applies the rules of ValidateKey to a non-empty name.
func checkName(what, name string) error {
	var why string
	switch {
	case len(name) > MaxKeyBytes:
		return job.Errorf(job.CodeInvalidJob, "%s of %d bytes is longer than the %d bytes S3 allows", what, len(name), MaxKeyBytes)
	case !utf8.ValidString(name):
		why = "is not UTF-8"
	case strings.HasPrefix(name, "/"):
		why = `starts with "/"`
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		why = "contains a control character"
	case hasDotDot(name):
		why = `has a ".." path segment`
	default:
		return nil
	}
	return job.Errorf(job.CodeInvalidJob, "%s %s %s", what, quoteName(name), why)
}

// hasDotDot reports whether name has a ".." segment between "/" or "\"
// separators, ignoring spaces around it.
func hasDotDot(name string) bool {
	for seg := range strings.FieldsFuncSeq(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if strings.TrimSpace(seg) == ".." {
			return true
		}
	}
	return false
}

// quoteName quotes a name for an error message: Go-escaped, so that no
// control character or invalid byte reaches a log, and cut after 64
// characters.
func quoteName(name string) string {
	const max = 64
	if utf8.RuneCountInString(name) <= max {
		return strconv.Quote(name)
	}
	return strconv.Quote(string([]rune(name)[:max])) + "..."
}
