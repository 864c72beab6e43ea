package job

import (
	"math"
	"slices"
	"strings"
)

// Bounds of a job's decoding options (DESIGN.md "Messages"). A value out of
// bounds makes the job invalid_job.
const (
	// MaxBeamSize is the largest beam_size (and best_of): each beam or
	// sample holds its own self-attention cache.
	MaxBeamSize = 16
	// MaxPatience is the largest patience: beam search runs until
	// beam_size·patience sequences have finished.
	MaxPatience = 4
)

// DecodingRules are the values of decoding.rules.
var DecodingRules = []string{"whisper.cpp", "openai"}

// Decoding is a job's "decoding" object: per-job overrides of the worker's
// decoding defaults (whisper.cpp's CLI: beam 5, best_of 5, temperature 0
// with fallback). A nil field keeps the worker's default.
type Decoding struct {
	// BeamSize is the number of beams at temperature 0 (1: greedy), 1–16.
	BeamSize *int `json:"beam_size,omitempty"`
	// BestOf is the number of independent samples at temperature > 0,
	// the likeliest kept, 1–16.
	BestOf *int `json:"best_of,omitempty"`
	// Temperature is the first temperature tried, 0–1.
	Temperature *float64 `json:"temperature,omitempty"`
	// Fallback retries a window at temperature + 0.2, + 0.4, … up to 1
	// while its decode is too repetitive or too unlikely.
	Fallback *bool `json:"fallback,omitempty"`
	// Rules picks whose decoding rules are followed: "whisper.cpp" (its
	// logit filters and greedy pick, and its beam search, whose beams draw
	// their candidates at random with a generator seeded by their index: a
	// model gives whisper.cpp's text) or "openai" (OpenAI's filters and its
	// deterministic top-k beams, with patience). Empty keeps the worker's
	// default.
	Rules string `json:"rules,omitempty"`
	// Patience (OpenAI's): beam search stops once beam_size·patience
	// sequences have finished, 0 < patience ≤ 4 (default 1).
	Patience *float64 `json:"patience,omitempty"`
	// LengthPenalty ranks finished sequences by sum_logprob/penalty with
	// penalty ((5+length)/6)^length_penalty (Google NMT) when it is in
	// (0, 1]; absent or 0 divides by the length, as whisper.cpp does
	// (OpenAI's None).
	LengthPenalty *float64 `json:"length_penalty,omitempty"`
	// ConditionOnPreviousText (OpenAI's condition_on_previous_text,
	// default true) gives each window the previous windows' text as its
	// prompt; false decodes every window on its own (the job's prompt
	// still conditions the first).
	ConditionOnPreviousText *bool `json:"condition_on_previous_text,omitempty"`
}

// Validate checks the bounds; the error names the field and is meant for
// an invalid_job result.
func (d *Decoding) Validate() error {
	if d == nil {
		return nil
	}
	if d.BeamSize != nil && (*d.BeamSize < 1 || *d.BeamSize > MaxBeamSize) {
		return Errorf(CodeInvalidJob, "decoding.beam_size %d is not in 1–%d", *d.BeamSize, MaxBeamSize)
	}
	if d.BestOf != nil && (*d.BestOf < 1 || *d.BestOf > MaxBeamSize) {
		return Errorf(CodeInvalidJob, "decoding.best_of %d is not in 1–%d", *d.BestOf, MaxBeamSize)
	}
	if d.Temperature != nil && !inRange(*d.Temperature, 0, 1) {
		return Errorf(CodeInvalidJob, "decoding.temperature %g is not in 0–1", *d.Temperature)
	}
	if d.Rules != "" && !slices.Contains(DecodingRules, d.Rules) {
		return Errorf(CodeInvalidJob, "decoding.rules is not one of %s", strings.Join(DecodingRules, ", "))
	}
	if d.Patience != nil && (!inRange(*d.Patience, 0, MaxPatience) || *d.Patience == 0) {
		return Errorf(CodeInvalidJob, "decoding.patience %g is not in (0, %d]", *d.Patience, MaxPatience)
	}
	if d.LengthPenalty != nil && !inRange(*d.LengthPenalty, 0, 1) {
		return Errorf(CodeInvalidJob, "decoding.length_penalty %g is not in 0–1", *d.LengthPenalty)
	}
	return nil
}

// inRange reports lo ≤ x ≤ hi (false for NaN; JSON has no NaN, but a Go
// caller may pass one).
func inRange(x, lo, hi float64) bool { return !math.IsNaN(x) && x >= lo && x <= hi }
