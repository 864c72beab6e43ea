package whisper

import (
	"context"
	"fmt"
)

// Batch decodes several sequences (beams, or best_of samples) that share a
// window's audio and a prompt. Every Step advances all of them by one token
// in one pass over the weights (Model.step): the decoder's matrix products
// take one row per sequence, and cross-attention runs the rows' queries
// together over the shared audio keys. Each sequence has its own self-attention cache
// (a slot); Reorder lets beams take over each other's caches, copying only
// the tokens after the shared prompt, as whisper.cpp's kv_cache_seq_cp does.
//
// A Batch belongs to its Decoder (see Decoder.Fork) and is valid until the
// decoder's next Fork, SetAudio, Reset, Truncate or Forward.
type Batch struct {
	dec    *Decoder
	n      int           // rows
	slotOf []int         // row → slot
	free   []int         // scratch for Reorder
	claim  []bool        // scratch for Reorder
	selfK  [][][]float32 // [slot][layer][n_text_ctx·d]; slot 0 is the decoder's own cache
	selfV  [][][]float32
	prefix int       // prompt tokens, the same in every slot
	past   int       // tokens in every row's cache
	logits []float32 // [rows][n_vocab] of the last Step
}

// Fork turns the tokens cached so far (the prompt) into the start of n
// sequences, 1 ≤ n ≤ 16, and returns the batch that decodes them. The
// prompt's keys and values are copied into each sequence's cache once.
func (dec *Decoder) Fork(n int) (*Batch, error) {
	h := dec.m.H
	if n < 1 || n > maxBatch {
		return nil, fmt.Errorf("whisper: batch of %d sequences, want 1–%d", n, maxBatch)
	}
	if dec.n == 0 {
		return nil, fmt.Errorf("whisper: fork before a prompt")
	}
	b := dec.batch
	if b == nil {
		b = &Batch{dec: dec}
		b.selfK = [][][]float32{dec.selfK}
		b.selfV = [][][]float32{dec.selfV}
		dec.batch = b
	}
	d, nt := h.NTextState, h.NTextCtx
	for len(b.selfK) < n {
		var ks, vs [][]float32
		for range h.NTextLayer {
			ks = append(ks, make([]float32, nt*d))
			vs = append(vs, make([]float32, nt*d))
		}
		b.selfK = append(b.selfK, ks)
		b.selfV = append(b.selfV, vs)
	}
	if len(b.logits) < n*h.NVocab {
		b.logits = make([]float32, n*h.NVocab)
	}
	b.n, b.prefix, b.past = n, dec.n, dec.n
	b.slotOf = b.slotOf[:0]
	for r := range n {
		b.slotOf = append(b.slotOf, r)
		if r > 0 {
			for l := range h.NTextLayer {
				copy(b.selfK[r][l][:dec.n*d], dec.selfK[l][:dec.n*d])
				copy(b.selfV[r][l][:dec.n*d], dec.selfV[l][:dec.n*d])
			}
		}
	}
	return b, nil
}

// maxBatch bounds the sequences of a batch (job.MaxBeamSize).
const maxBatch = 16

// Rows is the number of sequences.
func (b *Batch) Rows() int { return b.n }

// Len is the number of tokens in every sequence's cache (prompt included).
func (b *Batch) Len() int { return b.past }

// Reorder makes row j continue from row src[j]'s cache, for j <
// len(src), and leaves len(src) rows. A source taken by several rows is
// copied (only the tokens after the prompt); the first to take it keeps it
// without a copy.
func (b *Batch) Reorder(src []int) error {
	if len(src) < 1 || len(src) > b.n {
		return fmt.Errorf("whisper: reorder to %d rows from %d", len(src), b.n)
	}
	for _, s := range src {
		if s < 0 || s >= b.n {
			return fmt.Errorf("whisper: reorder from row %d of %d", s, b.n)
		}
	}
	nslots := len(b.selfK)
	b.claim = append(b.claim[:0], make([]bool, nslots)...)
	newSlot := make([]int, len(src))
	dup := false
	for j, s := range src {
		slot := b.slotOf[s]
		if b.claim[slot] {
			newSlot[j] = -1 // needs a copy
			dup = true
			continue
		}
		b.claim[slot] = true
		newSlot[j] = slot
	}
	if dup {
		// Free slots: claimed by no new row, so no source is lost by
		// overwriting them.
		b.free = b.free[:0]
		for s := range nslots {
			if !b.claim[s] {
				b.free = append(b.free, s)
			}
		}
		d := b.dec.m.H.NTextState
		lo, hi := b.prefix*d, b.past*d
		for j, s := range src {
			if newSlot[j] >= 0 {
				continue
			}
			to := b.free[0]
			b.free = b.free[1:]
			from := b.slotOf[s]
			for l := range b.selfK[to] {
				copy(b.selfK[to][l][lo:hi], b.selfK[from][l][lo:hi])
				copy(b.selfV[to][l][lo:hi], b.selfV[from][l][lo:hi])
			}
			newSlot[j] = to
		}
	}
	b.slotOf = append(b.slotOf[:0], newSlot...)
	b.n = len(src)
	return nil
}

// Step appends tokens[r] to row r for every row and returns the logits
// after them: row r's n_vocab logits at [r·n_vocab, (r+1)·n_vocab), valid
// until the next Step.
func (b *Batch) Step(tokens []int) ([]float32, error) {
	return b.stepVia(context.Background(), nil, tokens)
}

// stepVia is Step through st, batched with other sessions' steps (st nil:
// alone). It fails with ctx's error if ctx ends before the step is done.
func (b *Batch) stepVia(ctx context.Context, st *stepper, tokens []int) ([]float32, error) {
	dec := b.dec
	if len(tokens) != b.n {
		return nil, fmt.Errorf("whisper: %d tokens for %d sequences", len(tokens), b.n)
	}
	g := &dec.req.g
	g.dec = dec
	g.rows = g.rows[:0]
	for r, t := range tokens {
		slot := b.slotOf[r]
		g.rows = append(g.rows, stepRow{tok: t, pos: b.past, selfK: b.selfK[slot], selfV: b.selfV[slot]})
	}
	if err := dec.m.checkRows(g.rows); err != nil {
		return nil, err
	}
	g.logits = b.logits[:b.n*dec.m.H.NVocab]
	if err := dec.runStep(ctx, st); err != nil {
		return nil, err
	}
	b.past++
	return g.logits, nil
}

// advance reorders the batch's sequences to continue src, steps them by
// toks, and returns the step's logits copied into dst (dst's storage
// reused): the loop step shared by beam search and best_of sampling. The
// batch steps alone: its own rows already share one pass over the weights.
func (b *Batch) advance(dst []float32, src, toks []int) ([]float32, error) {
	if err := b.Reorder(src); err != nil {
		return nil, err
	}
	out, err := b.Step(toks)
	if err != nil {
		return nil, err
	}
	return append(dst[:0], out...), nil
}
