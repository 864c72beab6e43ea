package whisper

import (
	"context"
	"fmt"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// Decoder is the text decoder of one job: the cross-attention keys and
// values of the current window, computed once per window, and the
// self-attention KV cache of the tokens decoded so far. It is not safe for
// concurrent use; each job takes its own (see Model.NewDecoder).
type Decoder struct {
	m        *Model
	cross    []*kernel.HalfKV // per layer: the window's keys and values, in halves
	selfK    [][]float32      // per layer [n_text_ctx][d]
	selfV    [][]float32
	n        int // tokens in the self-attention cache
	x, h, q  []float32
	k, v     []float32
	attn, ff []float32
	scratch  []float32
	logits   []float32 // [n_vocab] of the last token
	batch    *Batch    // beams or samples forked from the cached prompt
	alignBuf []float32 // alignment heads' cross-attention of the last Align
	probBuf  []float32 // Align's hidden states and logits scratch
	work     stepWork  // single steps' scratch: views of x, h, … above
	req      stepReq   // the rows of this decoder's next single or batch step
	one      [1]*stepGroup
}

// NewDecoder allocates a decoder's caches: the cross-attention keys and
// values of n_audio_ctx positions in halves (as whisper.cpp keeps them) and
// the self-attention cache of n_text_ctx tokens in float32, about
// (4·n_audio_ctx + 8·n_text_ctx)·n_text_state·n_text_layer bytes.
func (m *Model) NewDecoder() *Decoder {
	h := m.H
	d, nt := h.NTextState, h.NTextCtx
	dec := &Decoder{m: m}
	for range h.NTextLayer {
		dec.cross = append(dec.cross, kernel.NewHalfKV(h.NAudioCtx, h.NTextHead, d/h.NTextHead))
		dec.selfK = append(dec.selfK, make([]float32, nt*d))
		dec.selfV = append(dec.selfV, make([]float32, nt*d))
	}
	dec.x = make([]float32, nt*d)
	dec.h = make([]float32, nt*d)
	dec.q = make([]float32, nt*d)
	dec.k = make([]float32, nt*d)
	dec.v = make([]float32, nt*d)
	dec.attn = make([]float32, nt*d)
	dec.ff = make([]float32, nt*4*d)
	// Attention scratch for decoding one token at a time; longer prompts
	// take the kernel's pooled buffers.
	dh := d / h.NTextHead
	dec.scratch = make([]float32, max(kernel.AttentionScratchSize(1, nt, h.NTextHead, dh), dec.cross[0].ScratchSize()))
	dec.logits = make([]float32, h.NVocab)
	dec.work = stepWork{x: dec.x, h: dec.h, q: dec.q, k: dec.k, v: dec.v, attn: dec.attn, ff: dec.ff}
	return dec
}

// SetAudio computes the cross-attention keys and values of a window's
// encoder output and clears the token cache. They are computed in float32
// a block of positions at a time in the decoder's own scratch (the MLP's
// buffer, idle here) and stored as halves.
func (dec *Decoder) SetAudio(ctx context.Context, enc []float32) error {
	h := dec.m.H
	na, d := h.NAudioCtx, h.NTextState
	if len(enc) < na*h.NAudioState {
		return fmt.Errorf("whisper: encoder output has %d values, want %d", len(enc), na*h.NAudioState)
	}
	// ff holds 4·n_text_ctx rows of d: keys, values and the transpose.
	rows := min(na, len(dec.ff)/(3*d))
	kb, vb, tb := dec.ff[:rows*d], dec.ff[rows*d:2*rows*d], dec.ff[2*rows*d:3*rows*d]
	for i := range dec.m.dec {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := &dec.m.dec[i]
		for r0 := 0; r0 < na; r0 += rows {
			n := min(rows, na-r0)
			src := enc[r0*h.NAudioState : (r0+n)*h.NAudioState]
			b.crossAttn.key.apply(kb, src, n)
			b.crossAttn.value.apply(vb, src, n)
			dec.cross[i].Set(kb[:n*d], vb[:n*d], r0, n, tb)
		}
	}
	dec.n = 0
	return nil
}

// Reset clears the token cache, keeping the audio.
func (dec *Decoder) Reset() { dec.n = 0 }

// Len is the number of tokens in the cache.
func (dec *Decoder) Len() int { return dec.n }

// Truncate drops cached tokens beyond n.
func (dec *Decoder) Truncate(n int) { dec.n = min(dec.n, max(n, 0)) }

// Forward appends tokens to the cache and returns the logits after the last
// one (valid until the next call).
func (dec *Decoder) Forward(tokens []int) ([]float32, error) {
	if len(tokens) == 1 {
		return dec.forwardVia(context.Background(), nil, tokens[0])
	}
	return dec.forward(tokens, nil)
}

// forwardVia appends one token as Forward does, in a step batched through
// st with other sessions' steps (st nil: alone). It fails with ctx's error
// if ctx ends before the step is done.
func (dec *Decoder) forwardVia(ctx context.Context, st *stepper, tok int) ([]float32, error) {
	g := &dec.req.g
	g.dec = dec
	g.rows = append(g.rows[:0], stepRow{tok: tok, pos: dec.n, selfK: dec.selfK, selfV: dec.selfV})
	if err := dec.m.checkRows(g.rows); err != nil {
		return nil, err
	}
	g.logits = dec.logits
	if err := dec.runStep(ctx, st); err != nil {
		return nil, err
	}
	dec.n++
	return dec.logits, nil
}

// runStep steps the rows of dec.req: through st, or alone when st is nil.
func (dec *Decoder) runStep(ctx context.Context, st *stepper) error {
	if st != nil {
		return st.run(ctx, &dec.req)
	}
	dec.one[0] = &dec.req.g
	dec.m.step(&dec.work, dec.one[:])
	return nil
}

// forward is Forward, recording the cross-attention of the capture's heads
// when capture is not nil.
func (dec *Decoder) forward(tokens []int, capture *attnCapture) ([]float32, error) {
	m := dec.m
	h := m.H
	d, nt := h.NTextState, len(tokens)
	if nt == 0 {
		return nil, fmt.Errorf("whisper: no tokens to decode")
	}
	if dec.n+nt > h.NTextCtx {
		return nil, fmt.Errorf("whisper: %d tokens exceed the text context of %d", dec.n+nt, h.NTextCtx)
	}
	x := dec.x[:nt*d]
	for i, t := range tokens {
		if t < 0 || t >= h.NVocab {
			return nil, fmt.Errorf("whisper: token %d out of range", t)
		}
		row := x[i*d : i*d+d]
		m.tokEmb.Widen(row, t*d)
		kernel.Add(row, m.decPos[(dec.n+i)*d:(dec.n+i+1)*d])
	}
	dh := d / h.NTextHead
	past := dec.n
	for i := range m.dec {
		b := &m.dec[i]
		hb := dec.h[:nt*d]
		// Causal self-attention over the cache plus the new tokens.
		copy(hb, x)
		kernel.LayerNorm(hb, nt, d, b.attnLN.w, b.attnLN.b, lnEps)
		b.attn.query.apply(dec.q, hb, nt)
		b.attn.key.apply(dec.selfK[i][past*d:], hb, nt)
		b.attn.value.apply(dec.selfV[i][past*d:], hb, nt)
		kernel.Attention(dec.attn[:nt*d], dec.q[:nt*d], dec.selfK[i][:(past+nt)*d], dec.selfV[i][:(past+nt)*d], nt, past+nt, h.NTextHead, dh, true, dec.scratchFor(nt))
		b.attn.out.applyAdd(x, dec.attn, nt)
		// Cross-attention over the window's audio.
		copy(hb, x)
		kernel.LayerNorm(hb, nt, d, b.crossAttnLN.w, b.crossAttnLN.b, lnEps)
		b.crossAttn.query.apply(dec.q, hb, nt)
		dec.cross[i].Attend(dec.attn[:nt*d], dec.q[:nt*d], nt, dec.scratchFor(nt))
		if capture != nil {
			capture.record(i, dec.q, dec.cross[i], nt, d, dh)
		}
		b.crossAttn.out.applyAdd(x, dec.attn, nt)
		// MLP.
		copy(hb, x)
		kernel.LayerNorm(hb, nt, d, b.mlpLN.w, b.mlpLN.b, lnEps)
		b.mlp.fc1.apply(dec.ff, hb, nt)
		kernel.GELU(dec.ff[:nt*4*d])
		b.mlp.fc2.applyAdd(x, dec.ff, nt)
	}
	dec.n += nt
	last := dec.h[:d]
	copy(last, x[(nt-1)*d:nt*d])
	kernel.LayerNorm(last, 1, d, m.lnDec.w, m.lnDec.b, lnEps)
	kernel.LinearT(dec.logits, last, m.tokEmb, nil, 1, h.NVocab, d)
	return dec.logits, nil
}

// scratchFor returns the attention scratch for nt queries: the decoder's own
// for single tokens, nil (the kernel's pool) for prompts.
func (dec *Decoder) scratchFor(nt int) []float32 {
	if nt == 1 {
		return dec.scratch
	}
	return nil
}
