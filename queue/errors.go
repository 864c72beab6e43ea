package queue

import "errors"

// Sentinel errors returned by this package. Test with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every problem Config.Validate reports.
	ErrInvalidConfig = errors.New("queue: invalid config")

	// ErrInvalidJobID is returned when a job or result does not carry a
	// usable job_id (see job.ValidID); such an id can be neither a subject
	// token nor a de-duplication key.
	ErrInvalidJobID = errors.New("queue: invalid job id")

	// ErrNoResult is returned by LastResult when RESULTS holds no result
	// for the job.
	ErrNoResult = errors.New("queue: no result")

	// ErrNotConnected is reported (and retried) by Intake.Next while the
	// connection to the server is down.
	ErrNotConnected = errors.New("queue: not connected")

	// ErrPermission is wrapped by the error of a JetStream API call the
	// NATS user is not allowed to make; the message names the subject.
	ErrPermission = errors.New("queue: NATS permission denied")

	// ErrTooLarge is wrapped by a publish that failed because the message
	// exceeds the server's (or the stream's) maximum message size. It is
	// permanent: publishing the same message again cannot succeed.
	ErrTooLarge = errors.New("queue: message too large")

	// ErrCanceled is the cause (context.Cause) of the context of a job
	// that was cancelled while it ran (CancelWatch.Track), and is wrapped
	// by a CodeCanceled job error: the job ends with a failed result, code
	// canceled.
	ErrCanceled = errors.New("queue: job canceled")

	// ErrNoCancelBucket is returned by OpenCancels when the cancellation
	// bucket does not exist.
	ErrNoCancelBucket = errors.New("queue: no cancellation bucket")
)
