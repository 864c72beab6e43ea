package whisper

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/align"
	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// Options tune decoding. The zero value means whisper.cpp's CLI defaults:
// beam search with 5 beams at temperature 0, best of 5 samples at the
// fallback temperatures 0.2, …, 1.0, OpenAI's thresholds.
type Options struct {
	// Temperatures tried in order while a window's decode looks like a
	// failure (too repetitive or too unlikely). Default 0, 0.2, …, 1.0;
	// see TemperatureSchedule. A single temperature means no fallback.
	Temperatures []float64
	// BeamSize is the number of beams at temperature 0 (default 5; 1 is
	// greedy decoding).
	BeamSize int
	// BestOf is the number of samples drawn at a temperature above 0, the
	// best kept (default 5).
	BestOf int
	// Rules are the decoding rules followed: RulesWhisperCpp (default)
	// or RulesOpenAI.
	Rules string
	// Patience: OpenAI's beam search ends once BeamSize·Patience sequences
	// have finished (default 1). whisper.cpp's has no patience.
	Patience float64
	// LengthPenalty ranks finished sequences: 0 (default) by average log
	// probability, in (0, 1] by sum/((5+length)/6)^LengthPenalty.
	LengthPenalty float64
	// MaxTokens bounds the tokens sampled per window (default, as
	// whisper.cpp: n_text_ctx/2 − 4 = 220), so silence or noise always ends.
	MaxTokens int
	// CompressionRatioThreshold (2.4), LogprobThreshold (-1) and
	// NoSpeechThreshold (0.6) are OpenAI's fallback and silence rules.
	CompressionRatioThreshold float64
	LogprobThreshold          float64
	NoSpeechThreshold         float64
	// NoContext stops conditioning each window on the previous text.
	NoContext bool
	// Seed seeds sampling at temperatures above 0.
	Seed uint64
	// Unbatched steps each job's decoder alone. By default the
	// single-sequence attempts (greedy, single samples) a TextDecoder
	// decodes at once advance together: one pass over the weights per step
	// serves all of them (see stepper), with the same results. Beams and
	// best_of samples always step per job.
	Unbatched bool
}

func (o Options) withDefaults(h Hparams) Options {
	if len(o.Temperatures) == 0 {
		o.Temperatures = []float64{0, 0.2, 0.4, 0.6, 0.8, 1.0}
	}
	if o.BeamSize <= 0 {
		o.BeamSize = DefaultBeamSize
	}
	if o.BestOf <= 0 {
		o.BestOf = DefaultBestOf
	}
	if o.Rules == "" {
		o.Rules = RulesWhisperCpp
	}
	if o.Patience <= 0 {
		o.Patience = 1
	}
	// A batch holds at most maxBatch sequences (job.MaxBeamSize).
	o.BeamSize, o.BestOf = min(o.BeamSize, maxBatch), min(o.BestOf, maxBatch)
	if o.MaxTokens <= 0 {
		o.MaxTokens = h.NTextCtx/2 - 4 // whisper.cpp's whisper_full: 220
	}
	if o.CompressionRatioThreshold == 0 {
		o.CompressionRatioThreshold = 2.4
	}
	if o.LogprobThreshold == 0 {
		o.LogprobThreshold = -1
	}
	if o.NoSpeechThreshold == 0 {
		o.NoSpeechThreshold = 0.6
	}
	return o
}

// whisper.cpp's CLI defaults (whisper_full_default_params: beam_search.beam_size
// and greedy.best_of).
const (
	DefaultBeamSize = 5
	DefaultBestOf   = 5
)

// Decoding rules (Options.Rules, a job's decoding.rules).
const (
	// RulesWhisperCpp follows whisper.cpp: its logit filters
	// (whisper_process_logits, beamcpp.go) for greedy decoding and beam
	// search, its bookkeeping of what a window's decode counts, and its beam
	// search, in which each beam draws its beam_size candidates at random
	// with a generator seeded by its index, so the same model gives
	// whisper.cpp's text. Above temperature 0 beam search runs best_of such
	// decoders; single sequences are sampled as OpenAI does.
	RulesWhisperCpp = "whisper.cpp"
	// RulesOpenAI follows OpenAI's whisper: its logit filters
	// (ApplyTimestampRules) and its deterministic BeamSearchDecoder
	// (beam.go), each beam proposing its beam_size+1 likeliest tokens,
	// with patience; above temperature 0, best_of independent samples.
	RulesOpenAI = "openai"
)

// TemperatureIncrement is the step between fallback temperatures
// (whisper.cpp's temperature_inc, OpenAI's temperature_increment_on_fallback).
const TemperatureIncrement = 0.2

// TemperatureSchedule is the temperatures a window may be decoded at: start,
// then with fallback start + 0.2, start + 0.4, … up to 1, as whisper.cpp and
// OpenAI's CLI build them. start is clamped to [0, 1].
func TemperatureSchedule(start float64, fallback bool) []float64 {
	start = min(max(start, 0), 1)
	ts := []float64{start}
	if !fallback {
		return ts
	}
	for i := 1; ; i++ {
		t := math.Round((start+float64(i)*TemperatureIncrement)*1e6) / 1e6
		if t > 1+1e-6 {
			return ts
		}
		ts = append(ts, t)
	}
}

// withJob applies a job's decoding overrides (already validated).
func (o Options) withJob(d *job.Decoding) Options {
	if d == nil {
		return o
	}
	if d.BeamSize != nil {
		o.BeamSize = *d.BeamSize
	}
	if d.BestOf != nil {
		o.BestOf = *d.BestOf
	}
	if d.Patience != nil {
		o.Patience = *d.Patience
	}
	if d.Rules != "" {
		o.Rules = d.Rules
	}
	if d.LengthPenalty != nil {
		o.LengthPenalty = *d.LengthPenalty
	}
	if d.Temperature != nil || d.Fallback != nil {
		start, fallback := o.Temperatures[0], len(o.Temperatures) > 1
		if d.Temperature != nil {
			start = *d.Temperature
		}
		if d.Fallback != nil {
			fallback = *d.Fallback
		}
		o.Temperatures = TemperatureSchedule(start, fallback)
	}
	if d.ConditionOnPreviousText != nil {
		o.NoContext = !*d.ConditionOnPreviousText
	}
	return o
}

// TextDecoder decodes encoder output into timed text with a model. It is the
// pipeline's text stage; each job gets its own session (and KV cache) from a
// pool, so steady-state jobs allocate no large buffers.
//
// Unless Options.Unbatched, its sessions' decoder steps are batched: the
// sequences of every job decoding at that moment advance in one step.
type TextDecoder struct {
	m    *Model
	opts Options
	decs sync.Pool // *Decoder
	st   *stepper  // nil: Unbatched
}

// NewTextDecoder returns a text decoder for the model.
func (m *Model) NewTextDecoder(opts Options) *TextDecoder {
	t := &TextDecoder{m: m, opts: opts.withDefaults(m.H)}
	t.decs.New = func() any { return m.NewDecoder() }
	if !opts.Unbatched {
		t.st = newStepper(m)
	}
	return t
}

// Start begins decoding one job.
func (t *TextDecoder) Start(ctx context.Context, req *pipeline.Request) (pipeline.TextSession, error) {
	tok := t.m.Tok
	if err := req.Decoding.Validate(); err != nil {
		return nil, fmt.Errorf("whisper: %w", err)
	}
	s := &session{t: t, opts: t.opts.withJob(req.Decoding), rng: rand.New(rand.NewPCG(t.opts.Seed, 0x5eed))}
	switch req.Task {
	case "", job.TaskTranscribe:
		s.task = job.TaskTranscribe
	case job.TaskTranslate:
		if !tok.Multilingual() {
			return nil, job.Errorf(job.CodeInvalidJob, "task translate needs a multilingual model, %s is English-only", t.m.Name)
		}
		s.task = job.TaskTranslate
	default:
		return nil, job.Errorf(job.CodeInvalidJob, "task %q is not transcribe or translate", req.Task)
	}
	switch lang := strings.ToLower(req.Language); {
	case !tok.Multilingual():
		if lang != "" && lang != "auto" && lang != "en" {
			return nil, job.Errorf(job.CodeInvalidJob, "language %q: %s is an English-only model", req.Language, t.m.Name)
		}
		s.lang = "en"
	case lang == "" || lang == "auto":
	default:
		if _, ok := tok.LanguageToken(lang); !ok {
			return nil, job.Errorf(job.CodeInvalidJob, "language %q is not one Whisper knows", req.Language)
		}
		s.lang = lang
	}
	if p := strings.TrimSpace(req.Prompt); p != "" {
		// The prompt comes from the job: encode it under the job's context.
		prev, err := tok.EncodeBPEContext(ctx, " "+p)
		if err != nil {
			return nil, fmt.Errorf("whisper: prompt: %w", err)
		}
		s.prev = s.keepPrompt(prev)
	}
	if req.WordTimestamps {
		heads, err := t.m.AlignmentHeads()
		if err != nil {
			return nil, fmt.Errorf("whisper: word timestamps: %w", err)
		}
		s.words, s.heads = true, heads
	}
	s.dec = t.decs.Get().(*Decoder)
	return s, nil
}

// session is the decoding state of one job: its language, the previous
// window's tokens, and a decoder.
type session struct {
	t       *TextDecoder
	opts    Options // the decoder's, with the job's overrides
	dec     *Decoder
	lang    string
	task    string
	prev    []int // text and timestamp tokens of earlier windows (the prompt)
	lastEnd float64
	rng     *rand.Rand
	tokens  []int // scratch: tokens sampled in the current attempt
	words   bool  // the job asked for word timestamps
	heads   []align.Head
	aligner align.Aligner
	cppRNG  []*sampling.MT19937 // whisper.cpp's per-decoder generators (beamcpp.go)
	cppBuf  [2][]float32        // greedy decoding's logprobs and probs rows
	cppDist sampling.Discrete
}

// Close returns the decoder to the pool.
func (s *session) Close() {
	if s.dec != nil {
		s.t.decs.Put(s.dec)
		s.dec = nil
	}
}

// attempt is one decode of a window at one temperature.
type attempt struct {
	tokens      []int
	avgLogprob  float64
	compression float64
	temperature float64
	// failed: the decode did not end well by whisper.cpp's rules (no
	// decoder completed, or the window ran out of tokens without a
	// timestamp past its middle), which asks for a fallback like a
	// too-unlikely decode and leaves nothing to condition the next window on.
	failed bool
	// counted is how many leading tokens whisper.cpp keeps from a decode
	// that did not fail (its result_len: up to the last timestamp, or all
	// without timestamps); 0 keeps them all (OpenAI's decoders).
	counted int
}

// kept returns the tokens that make the window's segments: the counted ones
// of a decode that did not fail, or all.
func (a attempt) kept() []int {
	if a.failed || a.counted <= 0 || a.counted >= len(a.tokens) {
		return a.tokens
	}
	return a.tokens[:a.counted]
}

// context returns the tokens the next window is conditioned on, as
// whisper.cpp's prompt_past: the counted tokens, none after a failed decode.
func (a attempt) context() []int {
	if a.failed {
		return nil
	}
	return a.kept()
}

// DecodeWindow decodes one window with Whisper's temperature fallback and
// turns the timestamp tokens into segments.
func (s *session) DecodeWindow(ctx context.Context, enc []float32, w pipeline.Window) (pipeline.WindowText, error) {
	tok, o := s.t.m.Tok, s.opts
	th := sampling.Thresholds{CompressionRatio: o.CompressionRatioThreshold, Logprob: o.LogprobThreshold, NoSpeech: o.NoSpeechThreshold}
	frames := audioFrames(w)
	if frames <= minFramesLeft {
		// whisper.cpp decodes nothing once 100 ms or less of audio is left.
		return pipeline.WindowText{Language: s.lang}, nil
	}
	if err := s.dec.SetAudio(ctx, enc); err != nil {
		return pipeline.WindowText{}, err
	}
	if s.lang == "" {
		logits, err := s.dec.Forward([]int{tok.SOT()})
		if err != nil {
			return pipeline.WindowText{}, err
		}
		s.lang, _ = sampling.DetectLanguage(logits, tok)
		s.dec.Reset()
	}

	// The prompt: <|startofprev|> + recent tokens, then the SOT sequence.
	var prompt []int
	if len(s.prev) > 0 {
		prompt = append(prompt, tok.Prev())
		prompt = append(prompt, s.keepPrompt(s.prev)...)
	}
	sot := tok.SOTSequence(s.lang, s.task, !s.noTimestamps())
	prompt = append(prompt, sot[0])
	logits, err := s.dec.Forward(prompt)
	if err != nil {
		return pipeline.WindowText{}, err
	}
	noSpeech := sampling.NoSpeechProb(logits, tok)
	if len(sot) > 1 {
		if logits, err = s.dec.Forward(sot[1:]); err != nil {
			return pipeline.WindowText{}, err
		}
	}
	start := make([]float32, len(logits))
	copy(start, logits)
	cached := s.dec.Len()

	var best attempt
	for i, temp := range o.Temperatures {
		s.dec.Truncate(cached)
		a, err := s.attempt(ctx, start, frames, temp)
		if err != nil {
			return pipeline.WindowText{}, err
		}
		best = a
		if !a.failed && !sampling.NeedsFallback(a.avgLogprob, a.compression, noSpeech, th) || i == len(o.Temperatures)-1 {
			break
		}
	}
	windowDur := time.Duration(w.Samples) * time.Second / pipeline.SampleRate
	if sampling.SkipAsSilence(noSpeech, best.avgLogprob, th) {
		return pipeline.WindowText{Language: s.lang}, nil // silence: skip the window
	}
	text := s.segments(best, noSpeech, w.Start, windowDur, time.Duration(max(w.Remaining, int64(w.Samples)))*time.Second/pipeline.SampleRate)
	if s.words && len(text.Segments) > 0 {
		if err := s.addWords(ctx, text, w, frames); err != nil {
			return pipeline.WindowText{}, err
		}
	}
	if o.NoContext || best.temperature > 0.5 {
		s.prev = s.prev[:0]
	} else {
		s.prev = s.keepPrompt(append(s.prev, best.context()...))
	}
	text.Language = s.lang
	return text, nil
}

// attempt decodes the window once at temperature temp, from the prompt's
// logits first. A single sequence's steps are batched with the other
// sessions decoding meanwhile (unless Options.Unbatched); beams and best_of
// samples step alone, their own rows already sharing one pass over the
// weights: batching 4 jobs' 5 beams into 20-row steps measured slower than
// stepping each job alone (docs/performance.md).
func (s *session) attempt(ctx context.Context, first []float32, frames int, temp float64) (attempt, error) {
	o := s.opts
	switch {
	case o.BeamSize > 1 && o.Rules == RulesWhisperCpp:
		// whisper.cpp's beam-search strategy at every temperature:
		// beam_size decoders at 0, best_of above.
		n := o.BeamSize
		if temp > 0 {
			n = o.BestOf
		}
		return s.cppBeamSearch(ctx, first, frames, n, o.BeamSize, temp)
	case temp == 0 && o.BeamSize > 1:
		return s.beamSearch(ctx, first, frames)
	case temp > 0 && o.BestOf > 1:
		return s.sampleBest(ctx, first, temp, frames)
	default:
		if st := s.t.st; st != nil {
			st.join()
			defer st.leave()
		}
		return s.sample(ctx, first, temp, frames)
	}
}

// keepPrompt keeps the last n_text_ctx/2 − 1 tokens of a prompt, the most
// whisper.cpp puts after <|startofprev|> (its max_prompt_ctx − 1), moving
// them to the front of the slice so it does not grow without bound.
func (s *session) keepPrompt(prev []int) []int {
	keep := s.t.m.H.NTextCtx/2 - 1
	if len(prev) <= keep {
		return prev
	}
	n := copy(prev, prev[len(prev)-keep:])
	return prev[:n]
}

// minFramesLeft is whisper.cpp's delta_min: 10 mel frames (100 ms). A
// window with no more audio left than that is not decoded, and a timestamp
// within it of the audio's end completes the decode.
const minFramesLeft = 10

// audioFrames is the number of 10 ms mel frames whisper.cpp counts from the
// window's start to the end of the audio (log_mel_spectrogram's n_len_org,
// 1 + (samples − 200)/160 rounded toward zero; whisper_full's seek_end −
// seek, as our windows start on whole frames).
func audioFrames(w pipeline.Window) int {
	left := max(w.Remaining, int64(w.Samples))
	return int(1 + (left-pipeline.NFFT/2)/pipeline.HopLength)
}

// endsDecode reports whether the timestamp <|index·0.02|> ends a window's
// decode, as in whisper.cpp's whisper_full: a timestamp other than <|0.00|>
// whose time (2·index frames) comes within minFramesLeft of the end of the
// audio (frames from the window's start) completes the sequence, so no
// segment starts at or after the end of the audio.
func endsDecode(index, frames int) bool {
	return index > 0 && 2*index+minFramesLeft >= frames
}

// sample decodes up to MaxTokens tokens from the prompt's logits, stopping
// at EOT or at a timestamp that reaches the end of the audio, which is
// frames mel frames from the window's start (see endsDecode).
func (s *session) sample(ctx context.Context, first []float32, temp float64, frames int) (attempt, error) {
	m, tok, o := s.t.m, s.t.m.Tok, s.opts
	logits := make([]float32, len(first))
	copy(logits, first)
	s.tokens = s.tokens[:0]
	var sum float64
	// whisper.cpp's bookkeeping of its one decoder: what counts, whether
	// it completed or failed (cppUpdate).
	decs := []cppDecoder{{seekDelta: cppSeekWindow}}
	d := &decs[0]
	// whisper.cpp's greedy decoding: its filters, the likeliest by its
	// float probabilities (whisper_sample_token with best).
	cpp := o.Rules == RulesWhisperCpp && temp == 0
	if cpp {
		d.logprobs, d.probs = s.cppRow(0, len(first)), s.cppRow(1, len(first))
	}
	for i := 0; len(s.tokens) < o.MaxTokens && s.dec.Len() < m.H.NTextCtx; i++ {
		if err := ctx.Err(); err != nil {
			return attempt{}, err
		}
		var next int
		var lp float64
		switch {
		case cpp:
			s.cppProcess(logits, d, 0)
			for i, p := range d.probs {
				if p > d.probs[next] {
					next = i
				}
			}
			lp = float64(d.logprobs[next])
		case temp == 0:
			s.filter(logits, s.tokens)
			next, lp = sampling.Greedy(logits)
		default:
			s.filter(logits, s.tokens)
			next, lp = sampling.Sample(logits, temp, s.rng)
		}
		sum += lp
		d.seq.tokens = append(d.seq.tokens, cppToken{id: next, plog: float32(lp)})
		s.cppUpdate(decs, i, o.MaxTokens, frames)
		if next == tok.EOT() {
			break
		}
		s.tokens = append(s.tokens, next)
		if d.done() {
			break // whisper.cpp: "end of audio reached", or a failure
		}
		if s.dec.Len() >= m.H.NTextCtx {
			break
		}
		out, err := s.dec.forwardVia(ctx, s.t.st, next)
		if err != nil {
			return attempt{}, err
		}
		copy(logits, out)
	}
	toks := append([]int(nil), s.tokens...)
	avg := sampling.AvgLogprob(sum, len(toks))
	if cpp && d.seq.resultLen > 0 {
		// whisper.cpp's avg_logprobs: over the counted tokens (EOT
		// included when it ended a decode without timestamps).
		avg, _ = cppScore(d.seq, 0)
	}
	return attempt{
		tokens:      toks,
		avgLogprob:  avg,
		compression: sampling.CompressionRatio(tok.Decode(toks)),
		temperature: temp,
		failed:      d.failed,
		counted:     min(d.seq.resultLen, len(toks)),
	}, nil
}

// segments splits a window's tokens at timestamp pairs, as OpenAI's
// transcribe does, and says how much of the window they consumed. The
// window starts at start and lasts dur; the audio has left from start on.
// Segments are clamped to the window, and none starts at or after the end
// of the audio.
func (s *session) segments(a attempt, noSpeech float64, start, dur, left time.Duration) pipeline.WindowText {
	tok, tokens := s.t.m.Tok, a.kept()
	var out pipeline.WindowText
	isTS := func(i int) bool { return tok.IsTimestamp(tokens[i]) }
	n := len(tokens)
	singleEnding := n >= 2 && !isTS(n-2) && isTS(n-1) || n == 1 && isTS(0)
	var cuts []int
	for i := 1; i < n; i++ {
		if isTS(i-1) && isTS(i) {
			cuts = append(cuts, i)
		}
	}
	base := start.Seconds()
	audioEnd := base + left.Seconds()
	add := func(from, to float64, toks []int) {
		text := strings.TrimSpace(tok.Decode(toks))
		end := base + dur.Seconds()
		from = min(max(base+from, s.lastEnd), end)
		to = min(max(base+to, from), end)
		if text == "" || from >= audioEnd {
			return
		}
		out.Segments = append(out.Segments, job.Segment{
			Start: round3(from), End: round3(to), Text: text,
			Tokens: slices.Clone(toks), AvgLogprob: a.avgLogprob, NoSpeechProb: noSpeech,
			CompressionRatio: a.compression, Temperature: a.temperature,
		})
		s.lastEnd = to
	}
	if len(cuts) > 0 {
		if singleEnding {
			cuts = append(cuts, n)
		}
		last := 0
		for _, c := range cuts {
			sl := tokens[last:c]
			add(tok.TimestampSeconds(sl[0]), tok.TimestampSeconds(sl[len(sl)-1]), sl)
			last = c
		}
		if !singleEnding {
			out.Consumed = time.Duration(tok.TimestampSeconds(tokens[last-1]) * float64(time.Second))
		}
		return out
	}
	end := dur.Seconds()
	for i := n - 1; i >= 0; i-- {
		if isTS(i) {
			if ts := tok.TimestampSeconds(tokens[i]); ts > 0 {
				end = ts
			}
			break
		}
	}
	from := 0.0
	if n > 0 && isTS(0) {
		from = tok.TimestampSeconds(tokens[0]) // whisper.cpp: the opening timestamp
	}
	add(from, end, tokens)
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// noTimestamps is whisper.cpp's rule for "first release distilled models":
// 2 decoder layers and not large-v3's vocabulary decode without timestamps.
func (s *session) noTimestamps() bool {
	h := s.t.m.H
	return h.NTextLayer == 2 && h.NVocab != 51866
}
