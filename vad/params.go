package vad

import (
	"math"
	"time"
)

// Params are the segmentation parameters of whisper.cpp's
// whisper_vad_params. DefaultParams has whisper.cpp's defaults; options
// change them.
type Params struct {
	// Threshold is the probability at or above which a chunk is speech;
	// a segment ends below Threshold − 0.15 (at least 0.01).
	Threshold float32
	// MinSpeech is the shortest segment kept (whisper.cpp: milliseconds).
	MinSpeech time.Duration
	// MinSilence is the silence that ends a segment (milliseconds).
	MinSilence time.Duration
	// MaxSpeech splits longer segments; 0 means no limit (whisper.cpp's
	// FLT_MAX). whisper.cpp uses its whole seconds only.
	MaxSpeech time.Duration
	// SpeechPad is added on both sides of every segment (milliseconds).
	SpeechPad time.Duration
	// Overlap is the audio the pipeline keeps after each segment but the
	// last when it packs segments together (whisper.cpp's samples_overlap);
	// Segments does not use it.
	Overlap time.Duration
}

// DefaultParams returns whisper.cpp's whisper_vad_default_params: threshold
// 0.5, min speech 250 ms, min silence 100 ms, no max speech, speech pad
// 30 ms, overlap 0.1 s.
func DefaultParams() Params {
	return Params{
		Threshold:  0.5,
		MinSpeech:  250 * time.Millisecond,
		MinSilence: 100 * time.Millisecond,
		SpeechPad:  30 * time.Millisecond,
		Overlap:    100 * time.Millisecond,
	}
}

// Option changes one segmentation parameter.
type Option func(*Params)

// NewParams returns DefaultParams with opts applied.
func NewParams(opts ...Option) Params {
	p := DefaultParams()
	for _, o := range opts {
		o(&p)
	}
	return p
}

// WithThreshold sets the speech probability threshold.
func WithThreshold(t float32) Option { return func(p *Params) { p.Threshold = t } }

// WithMinSpeech sets the shortest segment kept.
func WithMinSpeech(d time.Duration) Option { return func(p *Params) { p.MinSpeech = d } }

// WithMinSilence sets the silence that ends a segment.
func WithMinSilence(d time.Duration) Option { return func(p *Params) { p.MinSilence = d } }

// WithMaxSpeech sets the longest segment before it is split; 0 (or less)
// means no limit.
func WithMaxSpeech(d time.Duration) Option { return func(p *Params) { p.MaxSpeech = d } }

// WithSpeechPad sets the padding added on both sides of each segment.
func WithSpeechPad(d time.Duration) Option { return func(p *Params) { p.SpeechPad = d } }

// WithOverlap sets the audio kept after each segment when segments are
// packed together (for the pipeline; Segments does not use it).
func WithOverlap(d time.Duration) Option { return func(p *Params) { p.Overlap = d } }

// WithParams replaces all parameters.
func WithParams(q Params) Option { return func(p *Params) { *p = q } }

// ms converts a duration to whisper.cpp's int milliseconds.
func ms(d time.Duration) int { return int(d.Milliseconds()) }

// maxSpeechSeconds is whisper.cpp's float max_speech_duration_s.
func (p Params) maxSpeechSeconds() float32 {
	if p.MaxSpeech <= 0 {
		return math.MaxFloat32
	}
	return float32(p.MaxSpeech.Seconds())
}
