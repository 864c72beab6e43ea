// Package storage reads job audio from, and writes results to, S3-compatible
// object storage (MinIO, AWS S3, and anything else that speaks the S3 API).
//
// Every error a Client returns is already classified for the job path:
//
//   - a permanent failure carries a job code (see job.CodeOf), for example
//     job.CodeAudioNotFound for a missing object and job.CodeAudioTooLarge for
//     an object over the size cap;
//   - a failure worth retrying later (network trouble, an overloaded or
//     restarting server) satisfies job.IsTransient;
//   - cancellation of the caller's context is passed through, so
//     errors.Is(err, context.Canceled) and errors.Is(err,
//     context.DeadlineExceeded) still hold.
//
// The original minio-go error stays in the chain, so errors.As with a
// minio.ErrorResponse still works on any returned error.
//
// Subpackage miniotest runs a real MinIO server for tests; subpackage
// embedded serves an in-process, in-memory S3 endpoint for the demo command.
package storage
