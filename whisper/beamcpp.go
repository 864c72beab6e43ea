package whisper

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// This file is whisper.cpp's beam search (src/whisper.cpp whisper_full_with_state,
// whisper_process_logits, whisper_sample_token_topk, whisper_sequence_score;
// commit 233fe1fc9b48), reproduced step for step so that the same model gives
// the same text: every live decoder draws beam_size candidate tokens at random
// from its probabilities with its own std::mt19937 (seeded with the decoder's
// index once per job), all candidates are ranked by summed log probability,
// and each live decoder takes the next best one that is not a repeat of the
// one before it. Decoders end on EOT or at the end of the audio, fail on a
// timestamp going back or a window that never ends, and the best surviving
// decoder by length-penalised score (whose last 32 tokens are not too
// repetitive) wins. OpenAI's deterministic beam search is beam.go.

// cppSeekWindow is whisper.cpp's 100·WHISPER_CHUNK_SIZE: a whole window in
// 10 ms mel frames, the seek_delta of a decode without timestamps.
const cppSeekWindow = 3000

// cppEntropyThreshold is whisper.cpp's entropy_thold: a decode longer than
// 32 tokens whose last 32 have less entropy than this failed.
const cppEntropyThreshold = 2.4

// cppLanguages is the size of whisper.cpp's language table (g_lang): the
// tokens after <|startoftranscript|> it always suppresses.
const cppLanguages = 100

// cppToken is a sampled token and its log probability (whisper_token_data's
// id and plog).
type cppToken struct {
	id   int
	plog float32
}

// cppSequence is whisper.cpp's whisper_sequence.
type cppSequence struct {
	tokens    []cppToken
	resultLen int     // tokens that count: up to the last timestamp, or all
	sumAll    float64 // sum_logprobs_all: every token's plog
}

func (q cppSequence) equal(o cppSequence) bool {
	return slices.EqualFunc(q.tokens, o.tokens, func(a, b cppToken) bool { return a.id == b.id })
}

// extend returns a copy of q with t appended.
func (q cppSequence) extend(t cppToken) cppSequence {
	toks := make([]cppToken, len(q.tokens)+1)
	copy(toks, q.tokens)
	toks[len(q.tokens)] = t
	return cppSequence{tokens: toks, resultLen: q.resultLen, sumAll: q.sumAll + float64(t.plog)}
}

// cppDecoder is one of whisper.cpp's decoders (whisper_decoder) during a
// window's decode at one temperature.
type cppDecoder struct {
	seq               cppSequence
	seekDelta         int  // frames the window's decode advances, from its last timestamp
	hasTS             bool // it sampled a timestamp
	failed, completed bool
	logprobs, probs   []float32
	row               int // batch row holding its cache while it decodes
}

func (d *cppDecoder) done() bool { return d.failed || d.completed }

// cppCandidate is a beam candidate: a decoder's sequence with one more
// token, and the decoder state it was drawn from.
type cppCandidate struct {
	dec       int
	seekDelta int
	hasTS     bool
	seq       cppSequence
}

// cppRand returns decoder j's generator, std::mt19937(j) created on first
// use and kept for the rest of the job (whisper.cpp seeds its decoders once
// per whisper_full call, not per window or temperature).
func (s *session) cppRand(j int) *sampling.MT19937 {
	for len(s.cppRNG) <= j {
		s.cppRNG = append(s.cppRNG, sampling.NewMT19937(uint32(len(s.cppRNG))))
	}
	return s.cppRNG[j]
}

// cppBeamSearch decodes a window as whisper.cpp's beam-search strategy does
// at temperature temp: nDec decoders (beam_size at temperature 0, best_of
// above), each drawing k = beam_size candidates per step. frames is the
// audio left from the window's start in mel frames.
func (s *session) cppBeamSearch(ctx context.Context, first []float32, frames, nDec, k int, temp float64) (attempt, error) {
	m, o := s.t.m, s.opts
	nv := m.H.NVocab
	t32 := float32(temp)
	b, err := s.dec.Fork(nDec)
	if err != nil {
		return attempt{}, err
	}
	decs := make([]cppDecoder, nDec)
	for j := range decs {
		decs[j] = cppDecoder{seekDelta: cppSeekWindow, row: j, logprobs: make([]float32, nv), probs: make([]float32, nv)}
	}
	// Step 0: every decoder holds the prompt; whisper.cpp processes decoder
	// 0's logits and copies them to the others.
	row := make([]float32, nv)
	copy(row, first)
	s.cppProcess(row, &decs[0], t32)
	for j := 1; j < nDec; j++ {
		copy(decs[j].logprobs, decs[0].logprobs)
		copy(decs[j].probs, decs[0].probs)
	}
	nMax := o.MaxTokens
	var (
		cands     []cppCandidate
		srcOf     = make([]int, nDec)
		rows, tks []int
		logits    []float32
		live      []*cppDecoder
	)
	for i := 0; i < nMax; i++ {
		if err := ctx.Err(); err != nil {
			return attempt{}, err
		}
		cands = cands[:0]
		for j := range decs {
			d := &decs[j]
			if d.done() {
				continue
			}
			s.cppDist.Reset(d.probs)
			g := s.cppRand(j)
			for range k {
				id := s.cppDist.Draw(g)
				cands = append(cands, cppCandidate{dec: j, seekDelta: d.seekDelta, hasTS: d.hasTS,
					seq: d.seq.extend(cppToken{id: id, plog: d.logprobs[id]})})
			}
		}
		// Best summed log probability first, then the lower decoder.
		slices.SortStableFunc(cands, func(a, b cppCandidate) int {
			if c := cmp.Compare(b.seq.sumAll, a.seq.sumAll); c != 0 {
				return c
			}
			return cmp.Compare(a.dec, b.dec)
		})
		cur := 0
		for j := range decs {
			d := &decs[j]
			if d.done() {
				continue
			}
			if cur >= len(cands) {
				cur = 0
			}
			c := &cands[cur]
			cur++
			for len(cands) > cur && i > 0 && cands[cur].seq.equal(c.seq) {
				cur++
			}
			d.seekDelta, d.hasTS = c.seekDelta, c.hasTS
			d.seq = cppSequence{tokens: slices.Clone(c.seq.tokens), resultLen: c.seq.resultLen, sumAll: c.seq.sumAll}
			srcOf[j] = c.dec
		}
		s.cppUpdate(decs, i, nMax, frames)

		rows, tks = rows[:0], tks[:0]
		for j := range decs {
			if d := &decs[j]; !d.done() {
				rows = append(rows, decs[srcOf[j]].row)
				tks = append(tks, d.seq.tokens[len(d.seq.tokens)-1].id)
			}
		}
		if len(rows) == 0 || b.Len() >= m.H.NTextCtx {
			break
		}
		if logits, err = b.advance(logits, rows, tks); err != nil {
			return attempt{}, err
		}
		live = live[:0]
		for j := range decs {
			if d := &decs[j]; !d.done() {
				d.row = len(live)
				live = append(live, d)
			}
		}
		// whisper.cpp processes the decoders' logits on its threads too.
		parallelRows(len(live), func(r int) {
			s.cppProcess(logits[r*nv:(r+1)*nv], live[r], t32)
		})
	}
	return s.cppBest(decs, temp), nil
}

// cppRow returns the session's i-th scratch row of n floats.
func (s *session) cppRow(i, n int) []float32 {
	if len(s.cppBuf[i]) < n {
		s.cppBuf[i] = make([]float32, n)
	}
	return s.cppBuf[i][:n]
}

// parallelRows runs f(0), …, f(n−1) on up to kernel.Threads() goroutines
// and returns when all have.
func parallelRows(n int, f func(int)) {
	nw := min(n, kernel.Threads())
	if nw <= 1 {
		for r := range n {
			f(r)
		}
		return
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range nw {
		wg.Go(func() {
			for r := int(next.Add(1) - 1); r < n; r = int(next.Add(1) - 1) {
				f(r)
			}
		})
	}
	wg.Wait()
}

// cppUpdate is whisper.cpp's per-step bookkeeping after the candidates are
// taken: a timestamp moves the decoder's seek_delta (failing if it goes
// back), EOT or reaching the end of the audio completes it, and a decoder
// still open at the last step, without a timestamp or short of half a
// window, failed (a repetition loop).
func (s *session) cppUpdate(decs []cppDecoder, i, nMax, frames int) {
	tok := s.t.m.Tok
	beg, noTS := tok.TimestampBegin(), s.noTimestamps()
	for j := range decs {
		d := &decs[j]
		if d.done() {
			continue
		}
		t := d.seq.tokens[len(d.seq.tokens)-1].id
		if t > beg {
			delta := 2 * (t - beg)
			if d.hasTS && d.seekDelta > delta && d.seq.resultLen < i {
				d.failed = true
				continue
			}
			d.seekDelta, d.seq.resultLen, d.hasTS = delta, i+1, true
		}
		atEnd := d.hasTS && d.seekDelta+minFramesLeft >= frames
		if t == tok.EOT() || atEnd {
			if d.seq.resultLen == 0 && !noTS {
				if !atEnd {
					d.failed = true
					continue
				}
				d.seq.resultLen = i + 1
			}
			if noTS {
				d.seq.resultLen, d.seekDelta = i+1, cppSeekWindow
			}
			d.completed = true
			continue
		}
		if i == nMax-1 && (d.seq.resultLen == 0 || d.seekDelta < cppSeekWindow/2) {
			d.failed = true
		}
	}
}

// cppBest ranks the decoders as whisper.cpp does: failed ones out, each
// other cut to its result length and scored (sum of log probabilities over
// the length, or over the length penalty), failing one whose last 32 tokens
// are too repetitive; the best score wins, decoder 0 when none is left (and
// then its whole sequence, uncut, is the result, marked failed).
func (s *session) cppBest(decs []cppDecoder, temp float64) attempt {
	tok := s.t.m.Tok
	best, bestScore := 0, math.Inf(-1)
	for j := range decs {
		d := &decs[j]
		if d.failed {
			continue
		}
		d.seq.tokens = d.seq.tokens[:d.seq.resultLen]
		score, entropy := cppScore(d.seq, s.opts.LengthPenalty)
		if d.seq.resultLen > 32 && entropy < cppEntropyThreshold {
			d.failed = true
			continue
		}
		if bestScore < score {
			best, bestScore = j, score
		}
	}
	w := &decs[best]
	var toks []int
	var sum float64
	for _, t := range w.seq.tokens {
		sum += float64(t.plog)
		if t.id < tok.EOT() || tok.IsTimestamp(t.id) {
			toks = append(toks, t.id)
		}
	}
	// whisper.cpp's avg_logprobs: over the counted tokens (EOT included
	// when it ended the decode).
	avg := math.Inf(-1)
	if n := len(w.seq.tokens); n > 0 {
		avg = sum / float64(n)
	}
	return attempt{
		tokens:      toks,
		avgLogprob:  avg,
		compression: sampling.CompressionRatio(tok.Decode(toks)),
		temperature: temp,
		failed:      w.failed,
	}
}

// cppScore is whisper_sequence_score: the score (summed log probability
// over the length, or over ((5+length)/6)^lengthPenalty when that is > 0)
// and the entropy of the token counts among the last 32 tokens.
func cppScore(q cppSequence, lengthPenalty float64) (score, entropy float64) {
	n := q.resultLen
	if n == 0 {
		return math.Inf(-1), 0
	}
	var sum float64
	for _, t := range q.tokens[:n] {
		sum += float64(t.plog)
	}
	penalty := float64(n)
	if lengthPenalty > 0 {
		penalty = math.Pow((5+penalty)/6, lengthPenalty)
	}
	counts := map[int]int{}
	from := max(0, n-32)
	for _, t := range q.tokens[from:n] {
		counts[t.id]++
	}
	cnt := float64(n - from)
	for _, c := range counts {
		p := float64(c) / cnt
		entropy -= p * math.Log(p)
	}
	return sum / penalty, entropy
}

// cppProcess is whisper_process_logits for decoder d: it divides the
// logits by the temperature (when > 0), applies whisper.cpp's filters in
// place, and leaves d.logprobs (log_softmax) and d.probs (their
// exponentials, 0 where suppressed) as whisper.cpp computes them in float.
func (s *session) cppProcess(logits []float32, d *cppDecoder, temp float32) {
	tok := s.t.m.Tok
	n := len(logits)
	ninf := float32(math.Inf(-1))
	if temp > 0 {
		for i := range logits {
			logits[i] /= temp
		}
	}
	toks := d.seq.tokens
	initial := len(toks) == 0
	beg := tok.TimestampBegin()
	if initial {
		logits[tok.EOT()] = ninf
		if blank := tok.WhisperCppBlank(); blank >= 0 {
			logits[blank] = ninf
		}
	}
	logits[tok.NoTimestamps()] = ninf
	if s.noTimestamps() {
		clearRange(logits, beg, n)
	}
	for _, id := range []int{tok.SOT(), tok.NoSpeech(), tok.SOLM(), tok.Translate(), tok.Transcribe(), tok.Prev()} {
		logits[id] = ninf
	}
	clearRange(logits, tok.SOT()+1, min(n, tok.SOT()+1+cppLanguages))
	for _, id := range tok.WhisperCppNonSpeech() {
		logits[id] = ninf
	}
	if len(toks) > 0 && toks[len(toks)-1].id >= beg {
		if len(toks) < 2 || toks[len(toks)-2].id >= beg {
			clearRange(logits, beg, n)
		} else {
			clearRange(logits, 0, tok.EOT())
		}
	}
	if initial {
		// max_initial_ts = 1 s in steps of 30 s / n_audio_ctx, in float.
		precision := float32(30) / float32(s.t.m.H.NAudioCtx)
		tid0 := int(math.Round(float64(float32(1) / precision)))
		clearRange(logits, min(n, beg+tid0+1), n)
	}
	if d.hasTS {
		clearRange(logits, beg, min(n, beg+d.seekDelta/2))
	}
	logprobs := d.logprobs
	cppLogSoftmax(logprobs, logits, d.probs)

	// A timestamp is forced when the timestamps together are likelier
	// than any text token (logprobs are not renormalised after it).
	lpMax := ninf
	for _, v := range logprobs[beg:] {
		lpMax = max(lpMax, v)
	}
	var lse float32
	for _, v := range logprobs[beg:] {
		if v > ninf {
			lse += expf(v - lpMax)
		}
	}
	tsLogprob := ninf
	if lse > 0 {
		tsLogprob = logf(lse) + lpMax
	}
	textMax := ninf
	for _, v := range logprobs[:beg] {
		textMax = max(textMax, v)
	}
	if tsLogprob > textMax {
		clearRange(logits, 0, beg)
		clearRange(logprobs, 0, beg)
	}
	copy(d.probs, logprobs)
	kernel.Exp(d.probs)
	for i, v := range logits {
		if v == ninf {
			d.probs[i] = 0
		}
	}
}

// cppLogSoftmax is whisper_compute_logprobs: the float log-sum-exp summed in
// index order over the finite logits (the exponentials computed in tmp with
// kernel.Exp, within an ulp of expf's; the order of the sum is kept).
func cppLogSoftmax(dst, logits, tmp []float32) {
	ninf := float32(math.Inf(-1))
	m := ninf
	for _, v := range logits {
		m = max(m, v)
	}
	for i, v := range logits {
		tmp[i] = v - m
	}
	kernel.Exp(tmp)
	var lse float32
	for i, v := range logits {
		if v > ninf {
			lse += tmp[i]
		}
	}
	lse = logf(lse) + m
	for i, v := range logits {
		if v > ninf {
			dst[i] = v - lse
		} else {
			dst[i] = ninf
		}
	}
}

// clearRange sets x[lo:hi] to −∞.
func clearRange(x []float32, lo, hi int) {
	ninf := float32(math.Inf(-1))
	for i := lo; i < hi; i++ {
		x[i] = ninf
	}
}

// expf and logf are C's float functions: the correctly rounded result
// (glibc's are within a rounding of it). Whole rows use kernel.Exp.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
func logf(x float32) float32 { return float32(math.Log(float64(x))) }
