package whisper

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// sequence is one beam or sample of a window's decode.
type sequence struct {
	tokens []int   // sampled tokens after the prompt, without EOT
	sum    float64 // summed log probabilities (EOT's included once it ended)
}

// beamSearch decodes a window at temperature 0 with beam search and keeps
// the best finished sequence (see beamCandidates).
func (s *session) beamSearch(ctx context.Context, first []float32, frames int) (attempt, error) {
	seqs, err := s.beamCandidates(ctx, first, frames)
	if err != nil {
		return attempt{}, err
	}
	return s.best(seqs, 0), nil
}

// beamCandidates decodes a window at temperature 0 with OpenAI's
// BeamSearchDecoder: every step, each of the beam_size live beams proposes
// its beam_size+1 likeliest next tokens; the best beam_size proposals that
// do not end the sequence live on (taking over their source beam's cache),
// and the ones that end it (EOT, or a timestamp at the end of the audio)
// join the finished ones, until beam_size·patience have finished or
// MaxTokens are sampled. The finished sequence with the best
// length-penalised score wins. All live beams advance in one batched step.
// It returns the finished sequences (completed with the likeliest live ones
// when fewer than beam_size finished, as OpenAI's finalize does).
func (s *session) beamCandidates(ctx context.Context, first []float32, frames int) ([]sequence, error) {
	m, tok, o := s.t.m, s.t.m.Tok, s.opts
	nv := m.H.NVocab
	beam := o.BeamSize
	maxCandidates := max(1, int(math.Round(float64(beam)*o.Patience)))
	b, err := s.dec.Fork(beam)
	if err != nil {
		return nil, err
	}
	live := []sequence{{}} // step 0: every beam holds the prompt, so one stands for all
	logits := make([]float32, nv)
	copy(logits, first)
	var finished []sequence
	type proposal struct {
		src  int
		tok  int
		sum  float64
		ends bool
	}
	var props []proposal
	var cands []sampling.Candidate
	for step := 0; step < o.MaxTokens; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		props = props[:0]
		for r, seq := range live {
			row := logits[r*nv : (r+1)*nv]
			s.filter(row, seq.tokens)
			cands = sampling.TopK(cands[:0], row, beam+1)
			for _, c := range cands {
				ends := c.Token == tok.EOT() || tok.IsTimestamp(c.Token) && endsDecode(c.Token-tok.TimestampBegin(), frames)
				props = append(props, proposal{src: r, tok: c.Token, sum: seq.sum + c.Logprob, ends: ends})
			}
		}
		// Best first; ties keep the order of the beams and their
		// candidates, as Python's stable sort over the dict does.
		slices.SortStableFunc(props, func(a, b proposal) int { return cmp.Compare(b.sum, a.sum) })
		var next []sequence
		var src, toks []int
		var newlyFinished []sequence
		for _, p := range props {
			seq := sequence{tokens: append(slices.Clip(live[p.src].tokens), p.tok), sum: p.sum}
			if p.ends {
				if p.tok == tok.EOT() {
					seq.tokens = seq.tokens[:len(seq.tokens)-1]
				}
				newlyFinished = append(newlyFinished, seq)
				continue
			}
			next = append(next, seq)
			src = append(src, p.src)
			toks = append(toks, p.tok)
			if len(next) == beam {
				break
			}
		}
		for _, f := range newlyFinished {
			if len(finished) >= maxCandidates {
				break
			}
			finished = append(finished, f)
		}
		live = next
		if len(finished) >= maxCandidates || len(live) == 0 || b.Len() >= m.H.NTextCtx {
			break
		}
		if step+1 == o.MaxTokens {
			break // OpenAI's sample_len: no logits needed for a step not taken
		}
		var err error
		if logits, err = b.advance(logits, src, toks); err != nil {
			return nil, err
		}
	}
	// OpenAI's finalize: too few finished, so the live beams count too,
	// likeliest first.
	if len(finished) < beam {
		slices.SortStableFunc(live, func(a, b sequence) int { return cmp.Compare(b.sum, a.sum) })
		for _, l := range live {
			if len(finished) >= beam {
				break
			}
			finished = append(finished, l)
		}
	}
	return finished, nil
}

// best ranks finished sequences with OpenAI's MaximumLikelihoodRanker (the
// first wins ties) and returns the winner as an attempt.
func (s *session) best(seqs []sequence, temp float64) attempt {
	bi, bs := -1, math.Inf(-1)
	for i, q := range seqs {
		if sc := sampling.SequenceScore(q.sum, len(q.tokens), s.opts.LengthPenalty); bi < 0 || sc > bs {
			bi, bs = i, sc
		}
	}
	if bi < 0 {
		return attempt{avgLogprob: math.Inf(-1), temperature: temp}
	}
	w := seqs[bi]
	toks := slices.Clone(w.tokens)
	return attempt{
		tokens:      toks,
		avgLogprob:  sampling.AvgLogprob(w.sum, len(toks)),
		compression: sampling.CompressionRatio(s.t.m.Tok.Decode(toks)),
		temperature: temp,
	}
}

// filter applies the logit filters of a window's decode to one sequence's
// logits: suppressed tokens, a blank start, and the timestamp rules, given
// the tokens it sampled so far.
func (s *session) filter(logits []float32, tokens []int) {
	tok := s.t.m.Tok
	sampling.SuppressTokens(logits, tok.SuppressTokens())
	if len(tokens) == 0 {
		sampling.SuppressBlank(logits, tok)
	}
	if s.noTimestamps() {
		for i := tok.TimestampBegin(); i < len(logits); i++ {
			logits[i] = float32(math.Inf(-1))
		}
		logits[tok.NoTimestamps()] = float32(math.Inf(-1))
		return
	}
	sampling.ApplyTimestampRules(logits, tok, tokens, maxInitialTimestamp)
}

// maxInitialTimestamp caps a window's first timestamp at 1 s (50 steps of
// 20 ms).
const maxInitialTimestamp = 50
