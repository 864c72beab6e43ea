package whisper

import (
	"context"

	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// sampleBest decodes a window at temperature temp > 0 as OpenAI does with
// best_of: best_of independent samples from the same prompt (see
// sampleGroup), the one with the best length-penalised score kept.
func (s *session) sampleBest(ctx context.Context, first []float32, temp float64, frames int) (attempt, error) {
	seqs, err := s.sampleGroup(ctx, first, temp, frames)
	if err != nil {
		return attempt{}, err
	}
	return s.best(seqs, temp), nil
}

// sampleGroup draws best_of samples at temperature temp, advancing together
// in batched steps. A sample ends at EOT, at a timestamp at the end of the
// audio, or after MaxTokens tokens; ended samples leave the batch.
func (s *session) sampleGroup(ctx context.Context, first []float32, temp float64, frames int) ([]sequence, error) {
	m, tok, o := s.t.m, s.t.m.Tok, s.opts
	nv := m.H.NVocab
	n := o.BestOf
	b, err := s.dec.Fork(n)
	if err != nil {
		return nil, err
	}
	seqs := make([]sequence, n)
	live := make([]int, n) // batch row → sample
	for i := range live {
		live[i] = i
	}
	// Every sample starts from the prompt's logits.
	logits := make([]float32, n*nv)
	for r := range n {
		copy(logits[r*nv:(r+1)*nv], first)
	}
	var keep, src, toks []int
	for step := 0; step < o.MaxTokens && len(live) > 0; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		keep, src, toks = keep[:0], src[:0], toks[:0]
		for r, i := range live {
			row := logits[r*nv : (r+1)*nv]
			s.filter(row, seqs[i].tokens)
			next, lp := sampling.Sample(row, temp, s.rng)
			seqs[i].sum += lp
			if next < 0 || next == tok.EOT() {
				continue
			}
			seqs[i].tokens = append(seqs[i].tokens, next)
			if tok.IsTimestamp(next) && endsDecode(next-tok.TimestampBegin(), frames) {
				continue // whisper.cpp: "end of audio reached"
			}
			keep, src, toks = append(keep, i), append(src, r), append(toks, next)
		}
		live = append(live[:0], keep...)
		if len(live) == 0 || step+1 == o.MaxTokens || b.Len() >= m.H.NTextCtx {
			break
		}
		var err error
		if logits, err = b.advance(logits, src, toks); err != nil {
			return nil, err
		}
	}
	return seqs, nil
}
