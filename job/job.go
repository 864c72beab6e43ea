// Package job owns the wire contract between publishers and workers: the job
// and result messages and the error codes a failed result carries.
package job

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// MaxMetadataBytes is the largest metadata object a job may carry; it is
// echoed back in the result.
const MaxMetadataBytes = 4 << 10

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// ValidID reports whether id is a usable job_id: 1–128 characters of
// [A-Za-z0-9._-]. Such an id is also a valid NATS subject token.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ObjectRef names an object in S3-compatible storage.
type ObjectRef struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// Output asks the worker to write the transcript back to storage.
type Output struct {
	Bucket  string   `json:"bucket"`
	Prefix  string   `json:"prefix"`
	Formats []string `json:"formats,omitempty"`
}

// Job is one transcription request.
type Job struct {
	ID       string          `json:"job_id"`
	Audio    ObjectRef       `json:"audio"`
	Language string          `json:"language,omitempty"`
	Task     string          `json:"task,omitempty"`
	Prompt   string          `json:"prompt,omitempty"`
	Output   *Output         `json:"output,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Tasks a job may ask for.
const (
	TaskTranscribe = "transcribe"
	TaskTranslate  = "translate"
)

// Output formats a job may ask for.
var outputFormats = map[string]bool{"json": true, "txt": true, "srt": true, "vtt": true}

// Status of a finished job.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Segment is a stretch of transcript with its times in seconds.
type Segment struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Text  string  `json:"text"`
}

// ErrorBody is the error object of a failed result.
type ErrorBody struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Result is what a worker publishes for every job it finishes.
type Result struct {
	JobID     string           `json:"job_id"`
	Status    string           `json:"status"`
	Text      string           `json:"text"`
	Language  string           `json:"language,omitempty"`
	DurationS float64          `json:"duration_s"`
	Segments  []Segment        `json:"segments"`
	Model     string           `json:"model,omitempty"`
	Device    string           `json:"device,omitempty"`
	Worker    string           `json:"worker,omitempty"`
	Attempt   int              `json:"attempt"`
	TimingsMS map[string]int64 `json:"timings_ms,omitempty"`
	Outputs   []string         `json:"outputs,omitempty"`
	Error     *ErrorBody       `json:"error,omitempty"`
	Metadata  json.RawMessage  `json:"metadata,omitempty"`
}

// Parse decodes and validates a job message. A message that is not a job at
// all (not JSON, or without a usable job_id) yields an error wrapping
// ErrNotAJob and a nil job: it belongs in the dead-letter subject. A message
// that names a job but is otherwise invalid yields the job (so a failed
// result can be addressed to it) and an error with code CodeInvalidJob.
func Parse(data []byte) (*Job, error) {
	var probe struct {
		ID json.RawMessage `json:"job_id"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrNotAJob, err)
	}
	var id string
	if len(probe.ID) == 0 || json.Unmarshal(probe.ID, &id) != nil {
		return nil, fmt.Errorf("%w: no string job_id", ErrNotAJob)
	}
	if !ValidID(id) {
		return nil, fmt.Errorf("%w: job_id %.64q is not 1-128 characters of [A-Za-z0-9._-]", ErrNotAJob, id)
	}
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return &Job{ID: id}, Errorf(CodeInvalidJob, "job %s: %v", id, err)
	}
	return &j, j.Validate()
}

// Validate checks the fields a worker relies on.
func (j *Job) Validate() error {
	switch {
	case !ValidID(j.ID):
		return Errorf(CodeInvalidJob, "job_id %.64q is not 1-128 characters of [A-Za-z0-9._-]", j.ID)
	case j.Audio.Bucket == "" || j.Audio.Key == "":
		return Errorf(CodeInvalidJob, "job %s: audio.bucket and audio.key are required", j.ID)
	case len(j.Metadata) > MaxMetadataBytes:
		return Errorf(CodeInvalidJob, "job %s: metadata is %d bytes, more than %d", j.ID, len(j.Metadata), MaxMetadataBytes)
	}
	switch j.Task {
	case "", TaskTranscribe, TaskTranslate:
	default:
		return Errorf(CodeInvalidJob, "job %s: task %q is not transcribe or translate", j.ID, j.Task)
	}
	if j.Output != nil {
		if j.Output.Bucket == "" {
			return Errorf(CodeInvalidJob, "job %s: output.bucket is required when output is given", j.ID)
		}
		for _, f := range j.Output.Formats {
			if !outputFormats[f] {
				return Errorf(CodeUnsupportedFormat, "job %s: output format %q is not one of json, txt, srt, vtt", j.ID, f)
			}
		}
	}
	return nil
}
