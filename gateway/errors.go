package gateway

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/xdna-worker/xdna-worker/job"
)

// Types of OpenAI error bodies.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeRateLimit      = "rate_limit_exceeded"
	TypeServer         = "server_error"
	TypeTimeout        = "timeout"
)

// Codes of OpenAI error bodies the gateway answers with, besides the error
// codes of failed results (job.Code), which it passes on.
const (
	CodeInvalidAPIKey     = "invalid_api_key"
	CodeModelNotFound     = "model_not_found"
	CodeRateLimitExceeded = "rate_limit_exceeded"
	CodeOverloaded        = "server_overloaded"
	CodeFileTooLarge      = "file_too_large"
	CodeInvalidValue      = "invalid_value"
	CodeMissingField      = "missing_required_parameter"
	CodeTimeout           = "timeout"
	CodeInternal          = "internal_error"
)

// StatusClientClosedRequest answers a job canceled before it finished: the
// 499 of nginx. Not 408, which OpenAI's SDKs retry, uploading the file and
// starting the job again.
const StatusClientClosedRequest = 499

// CodeCanceled is the code of a failed result whose job was canceled (added
// to job's codes by the cancel work; spelled here until then).
const CodeCanceled job.Code = "canceled"

// Error is an OpenAI error: the HTTP status it is answered with and the
// body's error object. Message never quotes the uploaded file or a secret.
type Error struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// errorf builds an Error; param and code may be "" for null.
func newError(status int, typ, code, param, message string) *Error {
	e := &Error{Status: status, Type: typ, Message: message}
	if code != "" {
		e.Code = &code
	}
	if param != "" {
		e.Param = &param
	}
	return e
}

// invalid is a 400 invalid_request_error about param.
func invalid(param, code, message string) *Error {
	return newError(http.StatusBadRequest, TypeInvalidRequest, code, param, message)
}

// writeError answers err as OpenAI's error body: an *Error as it is, anything
// else as a 500 server_error that does not quote err.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = newError(http.StatusInternalServerError, TypeServer, CodeInternal, "", "The server had an error while processing your request.")
	}
	body, _ := json.Marshal(struct {
		Error *Error `json:"error"`
	}{e})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	w.Write(append(body, '\n'))
}

// resultStatus maps the code of a failed result to the HTTP status and
// OpenAI error type the gateway answers with.
func resultStatus(code job.Code) (int, string) {
	switch code {
	case job.CodeInvalidJob, job.CodeAudioDecode, job.CodeUnsupportedFormat, job.CodeAudioTooLong:
		return http.StatusBadRequest, TypeInvalidRequest
	case job.CodeAudioTooLarge:
		return http.StatusRequestEntityTooLarge, TypeInvalidRequest
	case job.CodeTimeout:
		return http.StatusGatewayTimeout, TypeTimeout
	case CodeCanceled:
		return StatusClientClosedRequest, TypeInvalidRequest
	default:
		return http.StatusInternalServerError, TypeServer
	}
}

// resultError is the OpenAI error of a failed result. The worker's message
// never quotes object contents (DESIGN.md "Security"); it names the job's
// audio object, which is the gateway's own key.
func resultError(r *job.Result) *Error {
	code, message := job.CodeInternal, "the job failed"
	if r.Error != nil {
		code, message = r.Error.Code, r.Error.Message
	}
	status, typ := resultStatus(code)
	if status == http.StatusInternalServerError {
		message = "The server had an error while processing your request (job " + r.JobID + ")."
	}
	return newError(status, typ, string(code), "", message)
}
