package whisper

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// Options tune decoding. The zero value means OpenAI's defaults.
type Options struct {
	// Temperatures tried in order while a window's decode looks like a
	// failure (too repetitive or too unlikely). Default 0, 0.2, …, 1.0.
	Temperatures []float64
	// MaxTokens bounds the tokens sampled per window (default n_text_ctx/2,
	// 224), so silence or noise always ends.
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
}

func (o Options) withDefaults(h Hparams) Options {
	if len(o.Temperatures) == 0 {
		o.Temperatures = []float64{0, 0.2, 0.4, 0.6, 0.8, 1.0}
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = h.NTextCtx / 2
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

// TextDecoder decodes encoder output into timed text with a model. It is the
// pipeline's text stage; each job gets its own session (and KV cache) from a
// pool, so steady-state jobs allocate no large buffers.
type TextDecoder struct {
	m    *Model
	opts Options
	decs sync.Pool // *Decoder
}

// NewTextDecoder returns a text decoder for the model.
func (m *Model) NewTextDecoder(opts Options) *TextDecoder {
	t := &TextDecoder{m: m, opts: opts.withDefaults(m.H)}
	t.decs.New = func() any { return m.NewDecoder() }
	return t
}

// Start begins decoding one job.
func (t *TextDecoder) Start(ctx context.Context, req *pipeline.Request) (pipeline.TextSession, error) {
	tok := t.m.Tok
	s := &session{t: t, rng: rand.New(rand.NewPCG(t.opts.Seed, 0x5eed))}
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
		s.prev = prev
	}
	s.dec = t.decs.Get().(*Decoder)
	return s, nil
}

// session is the decoding state of one job: its language, the previous
// window's tokens, and a decoder.
type session struct {
	t       *TextDecoder
	dec     *Decoder
	lang    string
	task    string
	prev    []int // text and timestamp tokens of earlier windows (the prompt)
	lastEnd float64
	rng     *rand.Rand
	tokens  []int // scratch: tokens sampled in the current attempt
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
}

// DecodeWindow decodes one window with Whisper's temperature fallback and
// turns the timestamp tokens into segments.
func (s *session) DecodeWindow(ctx context.Context, enc []float32, w pipeline.Window) (pipeline.WindowText, error) {
	m, tok, o := s.t.m, s.t.m.Tok, s.t.opts
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
		keep := min(len(s.prev), m.H.NTextCtx/2-1)
		prompt = append(prompt, tok.Prev())
		prompt = append(prompt, s.prev[len(s.prev)-keep:]...)
	}
	sot := tok.SOTSequence(s.lang, s.task, true)
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
		a, err := s.sample(ctx, start, temp, frames)
		if err != nil {
			return pipeline.WindowText{}, err
		}
		best = a
		if !sampling.NeedsFallback(a.avgLogprob, a.compression, noSpeech, th) || i == len(o.Temperatures)-1 {
			break
		}
	}
	windowDur := time.Duration(w.Samples) * time.Second / pipeline.SampleRate
	if sampling.SkipAsSilence(noSpeech, best.avgLogprob, th) {
		return pipeline.WindowText{Language: s.lang}, nil // silence: skip the window
	}
	text := s.segments(best.tokens, w.Start, windowDur, time.Duration(max(w.Remaining, int64(w.Samples)))*time.Second/pipeline.SampleRate)
	if o.NoContext || best.temperature > 0.5 {
		s.prev = s.prev[:0]
	} else {
		s.prev = append(s.prev, best.tokens...)
	}
	text.Language = s.lang
	return text, nil
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
	m, tok, o := s.t.m, s.t.m.Tok, s.t.opts
	logits := make([]float32, len(first))
	copy(logits, first)
	s.tokens = s.tokens[:0]
	var sum float64
	// The initial timestamp may not exceed 1 s (50 steps of 20 ms).
	const maxInitialTimestamp = 50
	suppress := tok.SuppressTokens()
	for len(s.tokens) < o.MaxTokens && s.dec.Len() < m.H.NTextCtx {
		if err := ctx.Err(); err != nil {
			return attempt{}, err
		}
		sampling.SuppressTokens(logits, suppress)
		if len(s.tokens) == 0 {
			sampling.SuppressBlank(logits, tok)
		}
		sampling.ApplyTimestampRules(logits, tok, s.tokens, maxInitialTimestamp)
		var next int
		var lp float64
		if temp == 0 {
			next, lp = sampling.Greedy(logits)
		} else {
			next, lp = sampling.Sample(logits, temp, s.rng)
		}
		sum += lp
		if next == tok.EOT() {
			break
		}
		s.tokens = append(s.tokens, next)
		if tok.IsTimestamp(next) && endsDecode(next-tok.TimestampBegin(), frames) {
			break // whisper.cpp: "end of audio reached"
		}
		if s.dec.Len() >= m.H.NTextCtx {
			break
		}
		out, err := s.dec.Forward([]int{next})
		if err != nil {
			return attempt{}, err
		}
		copy(logits, out)
	}
	toks := append([]int(nil), s.tokens...)
	return attempt{
		tokens:      toks,
		avgLogprob:  sampling.AvgLogprob(sum, len(toks)),
		compression: sampling.CompressionRatio(tok.Decode(toks)),
		temperature: temp,
	}, nil
}

// segments splits a window's tokens at timestamp pairs, as OpenAI's
// transcribe does, and says how much of the window they consumed. The
// window starts at start and lasts dur; the audio has left from start on.
// Segments are clamped to the window, and none starts at or after the end
// of the audio.
func (s *session) segments(tokens []int, start, dur, left time.Duration) pipeline.WindowText {
	tok := s.t.m.Tok
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
		out.Segments = append(out.Segments, job.Segment{Start: round3(from), End: round3(to), Text: text})
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
	add(0, end, tokens)
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
