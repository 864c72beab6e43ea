package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Progress is what a worker publishes while a job runs, on the core NATS
// subject <progress prefix>.<job_id> (not stored: a subscriber sees the
// events published while it listens), at most once a second per job. The
// job's result, not a progress event, says that it ended.
type Progress struct {
	JobID string `json:"job_id"`
	// Stage is the stage the job is in: StageFetch, StageDecode, StageVAD
	// or StageTranscribe.
	Stage string `json:"stage"`
	// WindowsDone counts the 30 s windows encoded and decoded to text so
	// far; WindowsTotal is the number the job will have if every window
	// from here on moves a full 30 s (a window that ends early on a
	// segment boundary adds one). Both are 0 before the audio is decoded.
	WindowsDone  int `json:"windows_done"`
	WindowsTotal int `json:"windows_total"`
	// AudioDoneS is how far into the audio the transcript has come, and
	// DurationS the audio's length, in seconds (of the speech only, when
	// voice activity detection packed it; 0 until the audio is decoded).
	AudioDoneS float64 `json:"audio_done_s"`
	DurationS  float64 `json:"duration_s"`
	// Worker is the WORKER_ID of the worker running the job.
	Worker string `json:"worker,omitempty"`
	// Text is the transcript text added since the job's previous event:
	// the events' texts, in order, are the start of the result's text
	// (segments joined as there). Best effort: when the worker cannot carry
	// all of it (more than MaxProgressText waiting), the job's later events
	// carry none, and the result has the rest.
	Text string `json:"text,omitempty"`
}

// MaxProgressText bounds Progress.Text.
const MaxProgressText = 32 << 10

// Stages of a running job, as Progress.Stage names them.
const (
	StageFetch      = "fetch"      // reading the audio from storage
	StageDecode     = "decode"     // decoding it to 16 kHz samples
	StageVAD        = "vad"        // finding the speech
	StageTranscribe = "transcribe" // windows through the encoder and the text decoder
)

// Fraction is how much of the job is done, from 0 to 1: the share of the
// audio transcribed (0 before the audio is decoded).
func (p *Progress) Fraction() float64 {
	if p.DurationS <= 0 {
		return 0
	}
	return min(max(p.AudioDoneS/p.DurationS, 0), 1)
}

// MaxProgressBytes bounds a progress event; ParseProgress refuses larger.
const MaxProgressBytes = MaxProgressText + 1<<10

// ErrBadProgress marks a progress event that ParseProgress refuses.
var ErrBadProgress = errors.New("bad progress event")

// stages are the values Progress.Stage may take.
var stages = map[string]bool{StageFetch: true, StageDecode: true, StageVAD: true, StageTranscribe: true}

// ParseProgress decodes a progress event received on the progress subject
// of job id and checks it: at most MaxProgressBytes, its job_id is id, a
// known stage, counts and seconds finite and not negative, and no more
// windows done than in total. Anyone who may publish on the subject can
// send anything, so a watcher shows only events that pass.
func ParseProgress(data []byte, id string) (*Progress, error) {
	if len(data) > MaxProgressBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadProgress, len(data), MaxProgressBytes)
	}
	var p Progress
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: not JSON", ErrBadProgress)
	}
	switch {
	case p.JobID != id:
		return nil, fmt.Errorf("%w: for another job", ErrBadProgress)
	case !stages[p.Stage]:
		return nil, fmt.Errorf("%w: unknown stage", ErrBadProgress)
	case p.WindowsDone < 0 || p.WindowsTotal < 0 || p.WindowsDone > p.WindowsTotal:
		return nil, fmt.Errorf("%w: windows %d of %d", ErrBadProgress, p.WindowsDone, p.WindowsTotal)
	case !seconds(p.AudioDoneS) || !seconds(p.DurationS):
		return nil, fmt.Errorf("%w: seconds out of range", ErrBadProgress)
	case len(p.Worker) > 64:
		return nil, fmt.Errorf("%w: worker id too long", ErrBadProgress)
	case len(p.Text) > MaxProgressText:
		return nil, fmt.Errorf("%w: text too long", ErrBadProgress)
	}
	return &p, nil
}

// seconds reports whether s is a usable number of seconds.
func seconds(s float64) bool { return s >= 0 && !math.IsInf(s, 0) && !math.IsNaN(s) }
