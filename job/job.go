// Package job owns the wire contract between publishers and workers: the job
// and result messages and the error codes a failed result carries.
package job

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// Limits of a job message (DESIGN.md "Messages").
const (
	// MaxIDBytes is the longest job_id.
	MaxIDBytes = 128
	// MaxMetadataBytes is the largest metadata a job may carry; it is
	// echoed back in the result. Larger metadata makes the job invalid_job
	// and is never echoed.
	MaxMetadataBytes = 4 << 10
	// MaxPromptBytes is the longest prompt; a longer one makes the job
	// invalid_job.
	MaxPromptBytes = 1 << 10
	// MaxModelBytes is the longest model name a job may give (the worker's
	// model names are at most this long too).
	MaxModelBytes = 64
)

// idPattern is the job_id grammar: non-empty tokens of [A-Za-z0-9_-]
// joined by single dots.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$`)

// idRule describes the grammar in error messages.
const idRule = "1-128 characters: tokens of [A-Za-z0-9_-] joined by single dots"

// ValidID reports whether id is a usable job_id: 1–128 characters, one or
// more non-empty tokens of [A-Za-z0-9_-] joined by single dots ("a.b" is
// one; ".a", "a." and "a..b" are not). Such an id appended to a subject
// prefix with a dot is a valid NATS subject, and a usable Nats-Msg-Id.
func ValidID(id string) bool { return len(id) <= MaxIDBytes && idPattern.MatchString(id) }

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
	// MaxLineWidth, when the job has word timestamps, splits srt and vtt
	// cues at word boundaries so that no cue's text is longer than this
	// many characters (a longer single word keeps a cue of its own), as
	// OpenAI's and whisper.cpp's max line width do. 0: one cue per segment.
	MaxLineWidth int `json:"max_line_width,omitempty"`
}

// MaxLineWidth bounds output.max_line_width.
const MaxLineWidth = 1000

// Job is one transcription request.
type Job struct {
	ID       string    `json:"job_id"`
	Audio    ObjectRef `json:"audio"`
	Language string    `json:"language,omitempty"`
	Task     string    `json:"task,omitempty"`
	// Model names which of the worker's models (WHISPER_MODELS) transcribes
	// the job; empty means the worker's default, the first listed. A name
	// the worker does not have fails the job invalid_job.
	Model string `json:"model,omitempty"`
	// Priority is high, normal (the default) or low: workers take higher
	// priorities first (Priority).
	Priority Priority  `json:"priority,omitempty"`
	Prompt   string    `json:"prompt,omitempty"`
	Decoding *Decoding `json:"decoding,omitempty"` // overrides the worker's defaults
	VAD      *bool     `json:"vad,omitempty"`      // only speech to the encoder; nil: the worker's VAD_DEFAULT
	// WordTimestamps asks for each segment's words with their times and
	// probabilities (Segment.Words).
	WordTimestamps bool            `json:"word_timestamps,omitempty"`
	Output         *Output         `json:"output,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
}

// Tasks a job may ask for.
const (
	TaskTranscribe = "transcribe"
	TaskTranslate  = "translate"
)

// Output formats a job may ask for.
var outputFormats = map[string]bool{"json": true, "verbose_json": true, "txt": true, "srt": true, "vtt": true, "tsv": true}

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
	// Tokens are the segment's token ids, timestamps included, as in
	// OpenAI's verbose_json.
	Tokens []int `json:"tokens,omitempty"`
	// The window's decode the segment comes from, as OpenAI's verbose_json
	// reports them: the average log probability of its tokens, the
	// probability of <|nospeech|> after the start of transcript, the
	// compression ratio of its text, and the temperature it was sampled at.
	// Zero values are left out of the JSON.
	AvgLogprob       float64 `json:"avg_logprob,omitempty"`
	NoSpeechProb     float64 `json:"no_speech_prob,omitempty"`
	CompressionRatio float64 `json:"compression_ratio,omitempty"`
	Temperature      float64 `json:"temperature,omitempty"`
	// Words are the segment's words with their times in the audio, present
	// only when the job asked for word_timestamps.
	Words []Word `json:"words,omitempty"`
}

// Word is one word of a segment: its text as decoded (with its leading
// space), its start and end in seconds from the start of the audio, and the
// mean probability of its tokens.
type Word struct {
	Word        string  `json:"word"`
	Start       float64 `json:"start"`
	End         float64 `json:"end"`
	Probability float64 `json:"probability"`
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
	// Truncated names what the publisher left out or cut short so that
	// the result fits the server's max payload, in the order it does so:
	// TruncatedSegments, TruncatedText, TruncatedErrorMessage,
	// TruncatedMetadata. It is absent from a whole result. When the job
	// asked for output files, they hold the full transcript.
	Truncated []string `json:"truncated,omitempty"`
}

// Values of Result.Truncated.
const (
	// TruncatedSegments: "segments" is empty although the transcript has
	// segments.
	TruncatedSegments = "segments"
	// TruncatedText: "text" is empty although the transcript has text.
	TruncatedText = "text"
	// TruncatedErrorMessage: "error.message" is cut short.
	TruncatedErrorMessage = "error.message"
	// TruncatedMetadata: the job's metadata is not echoed.
	TruncatedMetadata = "metadata"
)

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
		return nil, fmt.Errorf("%w: job_id %.64q is not %s", ErrNotAJob, id, idRule)
	}
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return &Job{ID: id}, Errorf(CodeInvalidJob, "job %s: %v", id, err)
	}
	if len(j.Metadata) > MaxMetadataBytes {
		// Never echoed: the failed result must not carry it (nor grow
		// past the server's max payload because of it).
		err := Errorf(CodeInvalidJob, "job %s: metadata is %d bytes, more than %d", j.ID, len(j.Metadata), MaxMetadataBytes)
		j.Metadata = nil
		return &j, err
	}
	return &j, j.Validate()
}

// Validate checks the fields a worker relies on.
func (j *Job) Validate() error {
	switch {
	case !ValidID(j.ID):
		return Errorf(CodeInvalidJob, "job_id %.64q is not %s", j.ID, idRule)
	case j.Audio.Bucket == "" || j.Audio.Key == "":
		return Errorf(CodeInvalidJob, "job %s: audio.bucket and audio.key are required", j.ID)
	case len(j.Metadata) > MaxMetadataBytes:
		return Errorf(CodeInvalidJob, "job %s: metadata is %d bytes, more than %d", j.ID, len(j.Metadata), MaxMetadataBytes)
	case len(j.Prompt) > MaxPromptBytes:
		return Errorf(CodeInvalidJob, "job %s: prompt is %d bytes, more than %d", j.ID, len(j.Prompt), MaxPromptBytes)
	case len(j.Model) > MaxModelBytes:
		return Errorf(CodeInvalidJob, "job %s: model name is %d bytes, more than %d", j.ID, len(j.Model), MaxModelBytes)
	}
	if err := j.Decoding.Validate(); err != nil {
		return Errorf(CodeInvalidJob, "job %s: %w", j.ID, err)
	}
	if !j.Priority.Valid() {
		return Errorf(CodeInvalidJob, "job %s: priority %.32q is not high, normal or low", j.ID, string(j.Priority))
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
				return Errorf(CodeUnsupportedFormat, "job %s: output format %q is not one of json, verbose_json, txt, srt, vtt, tsv", j.ID, f)
			}
		}
		if w := j.Output.MaxLineWidth; w < 0 || w > MaxLineWidth {
			return Errorf(CodeInvalidJob, "job %s: output.max_line_width %d is not in 0–%d", j.ID, w, MaxLineWidth)
		}
	}
	return nil
}
