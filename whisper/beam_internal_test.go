package whisper

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// randomAudio returns what the encoder could have made of a window:
// n_audio_ctx × n_audio_state values in [-1, 1).
func randomAudio(m *Model, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	enc := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	for i := range enc {
		enc[i] = float32(r.Float64()*2 - 1)
	}
	return enc
}

// fullWindow is a window with 30 s of audio left: no timestamp reaches the
// end of the audio.
var fullWindow = pipeline.Window{Samples: pipeline.SamplesPerWindow, Remaining: 2 * pipeline.SamplesPerWindow}

// primedSession starts a session with opts on m, sets random audio and
// decodes the SOT sequence, as DecodeWindow does before sampling. It
// returns the session, the logits after the prompt and the cached length.
func primedSession(t *testing.T, m *Model, opts Options, seed uint64) (*session, []float32, int) {
	t.Helper()
	ts, err := m.NewTextDecoder(opts).Start(context.Background(), &pipeline.Request{})
	if err != nil {
		t.Fatal(err)
	}
	s := ts.(*session)
	t.Cleanup(s.Close)
	if err := s.dec.SetAudio(context.Background(), randomAudio(m, seed)); err != nil {
		t.Fatal(err)
	}
	logits, err := s.dec.Forward(m.Tok.SOTSequence(s.lang, s.task, true))
	if err != nil {
		t.Fatal(err)
	}
	return s, slices.Clone(logits), s.dec.Len()
}

// greedyScore decodes greedily and returns the tokens and their score as
// the ranker sees it (the summed log probability recovered from the
// average: sum/(n+1)).
func greedyScore(t *testing.T, s *session, start []float32, cached, frames int) (attempt, float64) {
	t.Helper()
	s.dec.Truncate(cached)
	g, err := s.sample(context.Background(), start, 0, frames)
	if err != nil {
		t.Fatal(err)
	}
	sum := g.avgLogprob * float64(len(g.tokens)+1)
	return g, sampling.SequenceScore(sum, len(g.tokens), s.opts.LengthPenalty)
}

// OpenAI's beam search with one beam is OpenAI's greedy decoding: the same
// tokens, the same log probability.
func TestBeamOneIsGreedy(t *testing.T) {
	frames := audioFrames(fullWindow)
	for seed := uint64(1); seed <= 3; seed++ {
		m := seededModel(t, seed)
		s, start, cached := primedSession(t, m, Options{BeamSize: 1, MaxTokens: 48, Rules: RulesOpenAI}, seed)
		g, _ := greedyScore(t, s, start, cached, frames)
		s.dec.Truncate(cached)
		b, err := s.beamSearch(context.Background(), start, frames)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.tokens, g.tokens) {
			t.Fatalf("seed %d: beam 1 %v\ngreedy %v", seed, b.tokens, g.tokens)
		}
		if math.Abs(b.avgLogprob-g.avgLogprob) > 1e-9 {
			t.Fatalf("seed %d: avg logprob %g, greedy %g", seed, b.avgLogprob, g.avgLogprob)
		}
	}
}

// Five beams find a sequence at least as likely (length-normalised, the
// ranker's score) as greedy decoding's, with both length penalties, and
// every candidate's summed log probability is what a teacher-forced
// single-sequence decode of its tokens gives (so batching, cache reordering
// and the per-beam filters are right).
//
// Over 8 tokens: on these random-weight models no decode ends, and beyond
// ~12 tokens beam search may trail greedy decoding (seed 2 at 16 tokens:
// −109.3 against −88.9): a beam that jumps to <|29.98|> early can place no
// further timestamp pair, whose forced second halves cost nearly nothing,
// and pays about −9.5 for each text token after it. Beam search is not
// guaranteed to beat greedy decoding; over 8 tokens it does on all five.
func TestBeamFiveAtLeastGreedy(t *testing.T) {
	frames := audioFrames(fullWindow)
	for _, lp := range []float64{0, 0.6} {
		for seed := uint64(1); seed <= 5; seed++ {
			m := seededModel(t, seed)
			s, start, cached := primedSession(t, m, Options{BeamSize: 5, LengthPenalty: lp, MaxTokens: 8, Rules: RulesOpenAI}, seed)
			g, gs := greedyScore(t, s, start, cached, frames)
			s.dec.Truncate(cached)
			seqs, err := s.beamCandidates(context.Background(), start, frames)
			if err != nil {
				t.Fatal(err)
			}
			if len(seqs) < 5 {
				t.Fatalf("seed %d: %d candidates, want ≥ 5", seed, len(seqs))
			}
			best := s.best(seqs, 0)
			bs := sampling.SequenceScore(best.avgLogprob*float64(len(best.tokens)+1), len(best.tokens), lp)
			t.Logf("lp %g seed %d: beam %d tokens score %.4f, greedy %d tokens score %.4f", lp, seed, len(best.tokens), bs, len(g.tokens), gs)
			if bs < gs-1e-9 {
				t.Errorf("lp %g seed %d: beam score %.6f < greedy %.6f", lp, seed, bs, gs)
			}
			if lp != 0 {
				continue
			}
			for _, q := range seqs {
				if want := teacherForced(t, s, randomAudio(m, seed), q.tokens); math.Abs(q.sum-want) > 1e-3 {
					t.Errorf("seed %d: beam %v sum %.5f, teacher-forced %.5f", seed, q.tokens, q.sum, want)
				}
			}
		}
	}
}

// teacherForced is the summed log probability of tokens under s's filters,
// decoded one token at a time by a fresh single-sequence decoder.
func teacherForced(t *testing.T, s *session, enc []float32, tokens []int) float64 {
	t.Helper()
	m := s.t.m
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), enc); err != nil {
		t.Fatal(err)
	}
	logits, err := dec.Forward(m.Tok.SOTSequence(s.lang, s.task, true))
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i, tk := range tokens {
		row := slices.Clone(logits)
		s.filter(row, tokens[:i])
		sum += sampling.LogSoftmaxAt(row, tk)
		if logits, err = dec.Forward([]int{tk}); err != nil {
			t.Fatal(err)
		}
	}
	return sum
}

// A batched step gives every row the logits the single-sequence decoder
// gives for that row's tokens, also after beams took over each other's
// caches.
func TestBatchedStepMatchesSequential(t *testing.T) {
	m := seededModel(t, 4)
	enc := randomAudio(m, 4)
	ctx := context.Background()
	dec := m.NewDecoder()
	if err := dec.SetAudio(ctx, enc); err != nil {
		t.Fatal(err)
	}
	prompt := m.Tok.SOTSequence("en", job.TaskTranscribe, true)
	if _, err := dec.Forward(prompt); err != nil {
		t.Fatal(err)
	}
	const n = 5
	b, err := dec.Fork(n)
	if err != nil {
		t.Fatal(err)
	}
	hist := make([][]int, n)
	r := rand.New(rand.NewPCG(9, 9))
	ref := m.NewDecoder()
	if err := ref.SetAudio(ctx, enc); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for step := range 8 {
		if step == 3 || step == 6 {
			// Beams 0 and 1 are taken twice, 3 and 4 dropped: copies.
			src := []int{1, 0, 2, 1, 0}
			if step == 6 {
				src = []int{4, 4, 4} // and the batch shrinks
			}
			if err := b.Reorder(src); err != nil {
				t.Fatal(err)
			}
			next := make([][]int, len(src))
			for j, s := range src {
				next[j] = slices.Clone(hist[s])
			}
			hist = next
		}
		toks := make([]int, len(hist))
		for j := range toks {
			toks[j] = r.IntN(m.Tok.EOT())
			hist[j] = append(hist[j], toks[j])
		}
		got, err := b.Step(toks)
		if err != nil {
			t.Fatal(err)
		}
		got = slices.Clone(got)
		nv := m.H.NVocab
		for j := range hist {
			ref.Reset()
			want, err := ref.Forward(append(slices.Clone(prompt), hist[j]...))
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				worst = max(worst, math.Abs(float64(got[j*nv+i]-w)))
			}
		}
	}
	t.Logf("max |Δ| batched vs sequential: %.2g", worst)
	if worst > 1e-4 {
		t.Fatalf("max |Δ| %.3g > 1e-4", worst)
	}
	if _, err := dec.Fork(17); err == nil {
		t.Fatal("fork of 17 sequences accepted")
	}
	if err := b.Reorder([]int{5}); err == nil {
		t.Fatal("reorder from a row past the batch accepted")
	}
}

// best_of keeps the sample the ranker scores best, and the samples differ.
func TestBestOfPicksBest(t *testing.T) {
	m := seededModel(t, 2)
	frames := audioFrames(fullWindow)
	s, start, _ := primedSession(t, m, Options{BestOf: 5, MaxTokens: 32, Seed: 3}, 2)
	seqs, err := s.sampleGroup(context.Background(), start, 1.0, frames)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 5 {
		t.Fatalf("%d samples, want 5", len(seqs))
	}
	bi := 0
	distinct := map[string]bool{}
	for i, q := range seqs {
		distinct[string(m.Tok.Decode(q.tokens))+"|"+time.Duration(len(q.tokens)).String()] = true
		if sampling.SequenceScore(q.sum, len(q.tokens), 0) > sampling.SequenceScore(seqs[bi].sum, len(seqs[bi].tokens), 0) {
			bi = i
		}
	}
	if len(distinct) < 2 {
		t.Fatalf("5 samples at temperature 1 are all alike: %v", distinct)
	}
	got := s.best(seqs, 1.0)
	if !slices.Equal(got.tokens, seqs[bi].tokens) || got.temperature != 1.0 {
		t.Fatalf("best %v, want sample %d %v", got.tokens, bi, seqs[bi].tokens)
	}

	// The ranker with and without a length penalty: the shorter sequence
	// has the worse average but the better GNMT score at 1.
	crafted := []sequence{{tokens: []int{1, 2}, sum: -2}, {tokens: []int{1, 2, 3, 4, 5}, sum: -3.5}}
	s.opts.LengthPenalty = 0
	if got := s.best(crafted, 0); len(got.tokens) != 5 {
		t.Errorf("average log probability picked %v", got.tokens)
	}
	s.opts.LengthPenalty = 1
	if got := s.best(crafted, 0); len(got.tokens) != 2 {
		t.Errorf("GNMT length penalty 1 picked %v", got.tokens)
	}
}

// A decode the thresholds call a failure is retried at the next
// temperature, up to the last; without fallback it is kept. The segments
// carry the temperature and the decode's statistics.
func TestFallbackTriggers(t *testing.T) {
	m := seededModel(t, 1)
	enc := randomAudio(m, 1)
	decode := func(opts Options) pipeline.WindowText {
		t.Helper()
		ts, err := m.NewTextDecoder(opts).Start(context.Background(), &pipeline.Request{})
		if err != nil {
			t.Fatal(err)
		}
		defer ts.Close()
		out, err := ts.DecodeWindow(context.Background(), enc, fullWindow)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// No average log probability reaches +0.5: every decode fails.
	crafted := Options{LogprobThreshold: 0.5, NoSpeechThreshold: 1, BeamSize: 2, BestOf: 2, MaxTokens: 24}
	crafted.Temperatures = TemperatureSchedule(0, true)
	for _, c := range []struct {
		name  string
		temps []float64
		want  float64
	}{{"fallback", TemperatureSchedule(0, true), 1.0}, {"no fallback", TemperatureSchedule(0, false), 0}, {"from 0.4", TemperatureSchedule(0.4, true), 1.0}} {
		o := crafted
		o.Temperatures = c.temps
		out := decode(o)
		if len(out.Segments) == 0 {
			t.Fatalf("%s: no segments to check", c.name)
		}
		for _, sg := range out.Segments {
			if sg.Temperature != c.want {
				t.Errorf("%s: segment at temperature %g, want %g", c.name, sg.Temperature, c.want)
			}
			if len(sg.Tokens) == 0 || !m.Tok.IsTimestamp(sg.Tokens[0]) || sg.AvgLogprob >= 0 || sg.CompressionRatio <= 0 || sg.NoSpeechProb <= 0 || sg.NoSpeechProb >= 1 {
				t.Errorf("%s: segment %+v lacks its decode's details", c.name, sg)
			}
		}
	}
	// With the default thresholds a decode that passes is not retried.
	passing := Options{Temperatures: TemperatureSchedule(0, true), LogprobThreshold: -1e9, CompressionRatioThreshold: 1e9, BeamSize: 2, MaxTokens: 24}
	for _, sg := range decode(passing).Segments {
		if sg.Temperature != 0 {
			t.Errorf("a passing decode was retried: temperature %g", sg.Temperature)
		}
	}
}

func TestTemperatureSchedule(t *testing.T) {
	for _, c := range []struct {
		start    float64
		fallback bool
		want     []float64
	}{
		{0, true, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, false, []float64{0}},
		{0.5, true, []float64{0.5, 0.7, 0.9}},
		{1, true, []float64{1}},
		{0.3, false, []float64{0.3}},
	} {
		if got := TemperatureSchedule(c.start, c.fallback); !slices.Equal(got, c.want) {
			t.Errorf("TemperatureSchedule(%g, %v) = %v, want %v", c.start, c.fallback, got, c.want)
		}
	}
}

// A job's decoding object overrides the decoder's options for its session
// only; an invalid one is invalid_job.
func TestJobDecodingOverrides(t *testing.T) {
	m := seededModel(t, 1)
	td := m.NewTextDecoder(Options{})
	one, two, t04, f, p, lp := 1, 2, 0.4, false, 2.0, 0.6
	ts, err := td.Start(context.Background(), &pipeline.Request{Decoding: &job.Decoding{
		BeamSize: &one, BestOf: &two, Temperature: &t04, Fallback: &f, Patience: &p, LengthPenalty: &lp, ConditionOnPreviousText: &f,
		Rules: RulesOpenAI,
	}})
	if err != nil {
		t.Fatal(err)
	}
	o := ts.(*session).opts
	ts.Close()
	if o.BeamSize != 1 || o.BestOf != 2 || !slices.Equal(o.Temperatures, []float64{0.4}) || o.Patience != 2 || o.LengthPenalty != 0.6 || !o.NoContext || o.Rules != RulesOpenAI {
		t.Fatalf("job options not applied: %+v", o)
	}
	// Defaults: whisper.cpp's CLI.
	ts, err = td.Start(context.Background(), &pipeline.Request{})
	if err != nil {
		t.Fatal(err)
	}
	o = ts.(*session).opts
	ts.Close()
	if o.BeamSize != 5 || o.BestOf != 5 || !slices.Equal(o.Temperatures, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}) || o.Patience != 1 || o.NoContext || o.Rules != RulesWhisperCpp {
		t.Fatalf("defaults: %+v", o)
	}
	// Fallback alone keeps the decoder's start temperature.
	tr := true
	ts, err = m.NewTextDecoder(Options{Temperatures: []float64{0.6}}).Start(context.Background(), &pipeline.Request{Decoding: &job.Decoding{Fallback: &tr}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ts.(*session).opts.Temperatures; !slices.Equal(got, []float64{0.6, 0.8, 1}) {
		t.Errorf("fallback on from 0.6: %v", got)
	}
	ts.Close()
	bad := 0
	if _, err := td.Start(context.Background(), &pipeline.Request{Decoding: &job.Decoding{BeamSize: &bad}}); job.CodeOf(err) != job.CodeInvalidJob {
		t.Fatalf("beam_size 0: %v, want invalid_job", err)
	}
}

// Only the last n_text_ctx/2 − 1 prompt tokens are kept (whisper.cpp's
// max_prompt_ctx), and conditioning on earlier windows can be turned off.
func TestPromptRules(t *testing.T) {
	m := seededModel(t, 1)
	s := &session{t: m.NewTextDecoder(Options{})}
	long := make([]int, 500)
	for i := range long {
		long[i] = i
	}
	kept := s.keepPrompt(slices.Clone(long))
	if want := long[len(long)-(m.H.NTextCtx/2-1):]; !slices.Equal(kept, want) {
		t.Fatalf("kept %d tokens from %d..., want the last %d", len(kept), kept[0], len(want))
	}
	short := []int{1, 2, 3}
	if got := s.keepPrompt(short); !slices.Equal(got, short) {
		t.Fatalf("short prompt changed: %v", got)
	}

	enc := randomAudio(m, 1)
	for _, cond := range []bool{true, false} {
		c := cond
		ts, err := m.NewTextDecoder(Options{BeamSize: 1, Temperatures: []float64{0}, MaxTokens: 12}).Start(context.Background(),
			&pipeline.Request{Prompt: "hello there", Decoding: &job.Decoding{ConditionOnPreviousText: &c}})
		if err != nil {
			t.Fatal(err)
		}
		s := ts.(*session)
		before := len(s.prev)
		if before == 0 {
			t.Fatal("the job's prompt was not kept")
		}
		if _, err := ts.DecodeWindow(context.Background(), enc, fullWindow); err != nil {
			t.Fatal(err)
		}
		if c && len(s.prev) <= before || !c && len(s.prev) != 0 {
			t.Errorf("condition_on_previous_text %v: prompt %d tokens before the window, %d after", c, before, len(s.prev))
		}
		ts.Close()
	}
}
