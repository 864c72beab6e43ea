package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span attributes the worker and the pipeline set.
const (
	// AttrJobID is the job's id, on every span of a job.
	AttrJobID = attribute.Key("job.id")
	// AttrErrorCode is the job error code (invalid_job, timeout, ...) of a
	// span that failed.
	AttrErrorCode = attribute.Key("error.code")
	// AttrWindow is the 0-based index of the 30 s window a mel, encode or
	// decode_text span worked on.
	AttrWindow = attribute.Key("window")
	// AttrAttempt is the delivery count of the job's message.
	AttrAttempt = attribute.Key("job.attempt")
	// AttrStatus is how the job ended: succeeded, failed, retry,
	// dead_letter.
	AttrStatus = attribute.Key("job.status")
)

// Fail marks span as failed with err and its job error code. The error's
// message is recorded as it stands; the project's errors never hold object
// contents or credentials (the same text goes into a failed result).
func Fail(span trace.Span, code string, err error) {
	if err == nil {
		return
	}
	span.RecordError(err)
	span.SetAttributes(AttrErrorCode.String(code))
	span.SetStatus(codes.Error, code)
}
