package job

import (
	"errors"
	"fmt"
)

// Code is the machine-readable reason of a failed result (error.code).
type Code string

// Error codes of failed results. CodeCanceled is the one failure that is
// not the job's nor the worker's: someone cancelled the job (xdnactl
// cancel, a gateway whose client went away) before or while it ran. It is
// final: a cancelled job is never retried nor dead-lettered.
const (
	CodeInvalidJob        Code = "invalid_job"
	CodeAudioNotFound     Code = "audio_not_found"
	CodeAudioTooLarge     Code = "audio_too_large"
	CodeAudioTooLong      Code = "audio_too_long"
	CodeAudioDecode       Code = "audio_decode"
	CodeUnsupportedFormat Code = "unsupported_format"
	CodeTimeout           Code = "timeout"
	CodeInternal          Code = "internal"
	CodeCanceled          Code = "canceled"
)

// Sentinel errors.
var (
	// ErrNotAJob marks a message that cannot be addressed as a job at all; it
	// goes to the dead-letter subject.
	ErrNotAJob = errors.New("not a job")
	// ErrTransient marks a failure worth retrying later (storage or broker
	// unavailable); the message is handed back with a delay.
	ErrTransient = errors.New("transient")
)

// Error is a permanent job failure carrying the code of the failed result.
type Error struct {
	Code Code
	Err  error
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a permanent failure with the given code.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// WithCode wraps err as a permanent failure with the given code.
func WithCode(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Transient wraps err so that IsTransient reports true.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrTransient, err)
}

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool { return errors.Is(err, ErrTransient) }

// CodeOf returns the code a failed result carries for err: the code of the
// first *Error in its chain, or CodeInternal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
