package whisper

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// Batch decodes several sequences (beams, or best_of samples) that share a
// window's audio and a prompt. Every Step advances all of them by one token
// in one pass over the weights: the decoder's matrix products take one row
// per sequence, and cross-attention runs the rows' queries together over
// the shared audio keys. Each sequence has its own self-attention cache
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
	prefix int // prompt tokens, the same in every slot
	past   int // tokens in every row's cache
	// Per-step work buffers, [rows][…].
	x, h, q, k, v, attn, ff, logits []float32
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
	if len(b.x) < n*d {
		b.x = make([]float32, n*d)
		b.h = make([]float32, n*d)
		b.q = make([]float32, n*d)
		b.k = make([]float32, n*d)
		b.v = make([]float32, n*d)
		b.attn = make([]float32, n*d)
		b.ff = make([]float32, n*4*d)
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
	m := b.dec.m
	h := m.H
	d, nb, pos := h.NTextState, b.n, b.past
	if len(tokens) != nb {
		return nil, fmt.Errorf("whisper: %d tokens for %d sequences", len(tokens), nb)
	}
	if pos+1 > h.NTextCtx {
		return nil, fmt.Errorf("whisper: %d tokens exceed the text context of %d", pos+1, h.NTextCtx)
	}
	x := b.x[:nb*d]
	for r, t := range tokens {
		if t < 0 || t >= h.NVocab {
			return nil, fmt.Errorf("whisper: token %d out of range", t)
		}
		row := x[r*d : r*d+d]
		m.tokEmb.Widen(row, t*d)
		kernel.Add(row, m.decPos[pos*d:(pos+1)*d])
	}
	dh := d / h.NTextHead
	hb := b.h[:nb*d]
	for i := range m.dec {
		blk := &m.dec[i]
		// Self-attention: projections for all rows at once, then each
		// row's query over its own cache.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.attnLN.w, blk.attnLN.b, lnEps)
		blk.attn.query.apply(b.q, hb, nb)
		blk.attn.key.apply(b.k, hb, nb)
		blk.attn.value.apply(b.v, hb, nb)
		for r := range nb {
			sk, sv := b.selfK[b.slotOf[r]][i], b.selfV[b.slotOf[r]][i]
			copy(sk[pos*d:(pos+1)*d], b.k[r*d:(r+1)*d])
			copy(sv[pos*d:(pos+1)*d], b.v[r*d:(r+1)*d])
			kernel.Attention(b.attn[r*d:(r+1)*d], b.q[r*d:(r+1)*d], sk[:(pos+1)*d], sv[:(pos+1)*d], 1, pos+1, h.NTextHead, dh, true, b.dec.scratch)
		}
		blk.attn.out.applyAdd(x, b.attn, nb)
		// Cross-attention: all rows' queries over the shared audio.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.crossAttnLN.w, blk.crossAttnLN.b, lnEps)
		blk.crossAttn.query.apply(b.q, hb, nb)
		kernel.Attention(b.attn[:nb*d], b.q[:nb*d], b.dec.crossK[i], b.dec.crossV[i], nb, h.NAudioCtx, h.NTextHead, dh, false, b.dec.scratchFor(nb))
		blk.crossAttn.out.applyAdd(x, b.attn, nb)
		// MLP.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.mlpLN.w, blk.mlpLN.b, lnEps)
		blk.mlp.fc1.apply(b.ff, hb, nb)
		kernel.GELU(b.ff[:nb*4*d])
		blk.mlp.fc2.applyAdd(x, b.ff, nb)
	}
	b.past++
	copy(hb, x)
	kernel.LayerNorm(hb, nb, d, m.lnDec.w, m.lnDec.b, lnEps)
	logits := b.logits[:nb*h.NVocab]
	kernel.LinearT(logits, hb, m.tokEmb, nil, nb, h.NVocab, d)
	return logits, nil
}

// advance reorders the batch's sequences to continue src, steps them by
// toks, and returns the step's logits copied into dst (dst's storage
// reused): the loop step shared by beam search and best_of sampling.
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
