package whisper

import (
	"context"
	"fmt"
	"sync"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/xdna"
)

const lnEps = 1e-5

// Encoder runs the Whisper audio encoder on the CPU. It is the cpu driver of
// xdna.Device: Encode takes one 30 s log-mel window (n_mels × 3000) and
// writes n_audio_ctx × n_audio_state floats. Safe for concurrent use; each
// concurrent call takes a workspace from a pool, so steady-state calls
// allocate nothing large.
type Encoder struct {
	m       *Model
	compute kernel.Compute
	work    sync.Pool // *encoderWork
}

// EncoderOption configures NewEncoder.
type EncoderOption func(*Encoder)

// WithCompute sets the arithmetic of the encoder's linear layers:
// kernel.F32 (the default) or kernel.BF16, which rounds activations and
// weights to bfloat16 and accumulates in float32 — about twice the
// arithmetic rate on CPUs with AVX512_BF16; on random tiny and base
// models the encoder output keeps a cosine of 0.99999 to F32's
// (TestEncoderBF16Accuracy). Check c.Supported() first: without
// AVX512_BF16, BF16 runs a slow pure-Go twin.
func WithCompute(c kernel.Compute) EncoderOption {
	return func(e *Encoder) { e.compute = c }
}

// encoderWork is the scratch of one encode: 5·n_audio_ctx·d floats plus
// the attention scratch. The buffers that are never live at the same time
// share one block (whisper.cpp's allocator does the same for its graph):
// conv1's output before the blocks, then q|k|v|attn in attention and the
// MLP's hidden layer (4·d wide) after it.
type encoderWork struct {
	c1      []float32 // conv1 output [3000][d] (in block)
	h       []float32 // [ctx][d] layer-norm output
	q, k, v []float32 // [ctx][d] (in block)
	attn    []float32 // [ctx][d] (in block)
	ff      []float32 // [ctx][4d] (all of block)
	scratch []float32 // attention scores
}

// NewEncoder returns the model's CPU encoder.
func (m *Model) NewEncoder(opts ...EncoderOption) *Encoder {
	e := &Encoder{m: m}
	for _, o := range opts {
		o(e)
	}
	e.work.New = func() any {
		d, n := m.H.NAudioState, m.H.NAudioCtx
		nd := n * d
		block := make([]float32, 4*nd) // ≥ conv1's 2·n·d
		return &encoderWork{
			c1: block[:2*nd],
			h:  make([]float32, nd),
			q:  block[:nd:nd], k: block[nd : 2*nd : 2*nd], v: block[2*nd : 3*nd : 3*nd], attn: block[3*nd : 4*nd : 4*nd],
			ff:      block,
			scratch: make([]float32, kernel.AttentionScratchSize(n, n, m.H.NAudioHead, d/m.H.NAudioHead)),
		}
	}
	return e
}

// Compute returns the arithmetic of the encoder's linear layers.
func (e *Encoder) Compute() kernel.Compute { return e.compute }

// Name returns "cpu".
func (e *Encoder) Name() string { return xdna.DriverCPU }

// Close does nothing; the model is shared.
func (e *Encoder) Close() error { return nil }

// Encode runs the encoder on mel into out.
func (e *Encoder) Encode(ctx context.Context, mel, out []float32) error {
	h := e.m.H
	d, n, frames := h.NAudioState, h.NAudioCtx, 2*h.NAudioCtx
	if len(mel) < h.NMels*frames {
		return fmt.Errorf("whisper: mel has %d values, want %d×%d", len(mel), h.NMels, frames)
	}
	if len(out) < n*d {
		return fmt.Errorf("whisper: encoder output has %d values, want %d×%d", len(out), n, d)
	}
	w := e.work.Get().(*encoderWork)
	defer e.work.Put(w)
	m := e.m
	x := out[:n*d]

	// conv1 (k3, s1, p1) + GELU → [3000][d]; conv2 (k3, s2, p1) + GELU → [1500][d].
	kernel.Conv1D(w.c1, mel[:h.NMels*frames], m.conv1W, m.conv1B, h.NMels, d, frames, 3, 1, 1)
	kernel.GELU(w.c1)
	kernel.Conv1DT(x, w.c1, m.conv2W, m.conv2B, d, d, frames, 3, 2, 1)
	kernel.GELU(x)
	kernel.Add(x, m.encPos[:n*d])

	// The context is looked at before each of a layer's heavy steps (as
	// ggml's abort callback is between graph nodes), not once a layer: a
	// layer of a large model takes seconds on a few cores, and a cancelled
	// job must stop within one. Between two looks: q, k and v (3·n·d²
	// multiply-adds), attention and out (2·n²·d + n·d²), fc1, fc2 (4·n·d²
	// each).
	dh := d / h.NAudioHead
	for i := range m.enc {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := &m.enc[i]
		// Self-attention, pre-LN.
		copy(w.h, x)
		kernel.LayerNorm(w.h, n, d, b.attnLN.w, b.attnLN.b, lnEps)
		c := e.compute
		b.attn.query.applyC(c, w.q, w.h, n)
		b.attn.key.applyC(c, w.k, w.h, n)
		b.attn.value.applyC(c, w.v, w.h, n)
		if err := ctx.Err(); err != nil {
			return err
		}
		kernel.Attention(w.attn, w.q, w.k, w.v, n, n, h.NAudioHead, dh, false, w.scratch)
		b.attn.out.applyAddC(c, x, w.attn, n) // residual
		if err := ctx.Err(); err != nil {
			return err
		}
		// MLP, pre-LN.
		copy(w.h, x)
		kernel.LayerNorm(w.h, n, d, b.mlpLN.w, b.mlpLN.b, lnEps)
		b.mlp.fc1.applyC(c, w.ff, w.h, n)
		if err := ctx.Err(); err != nil {
			return err
		}
		kernel.GELU(w.ff)
		b.mlp.fc2.applyAddC(c, x, w.ff, n) // residual
	}
	kernel.LayerNorm(x, n, d, m.lnPost.w, m.lnPost.b, lnEps)
	return ctx.Err()
}

// apply computes dst[rows][out] = x[rows][in]·Wᵀ (+ b).
func (l *linear) apply(dst, x []float32, rows int) {
	kernel.LinearT(dst[:rows*l.out], x[:rows*l.in], l.w, l.b, rows, l.out, l.in)
}

// applyAdd computes dst[rows][out] += x[rows][in]·Wᵀ (+ b).
func (l *linear) applyAdd(dst, x []float32, rows int) {
	kernel.LinearTAdd(dst[:rows*l.out], x[:rows*l.in], l.w, l.b, rows, l.out, l.in)
}

// applyC is apply computed in mode c.
func (l *linear) applyC(c kernel.Compute, dst, x []float32, rows int) {
	kernel.LinearTCompute(c, dst[:rows*l.out], x[:rows*l.in], l.w, l.b, rows, l.out, l.in)
}

// applyAddC is applyAdd computed in mode c.
func (l *linear) applyAddC(c kernel.Compute, dst, x []float32, rows int) {
	kernel.LinearTAddCompute(c, dst[:rows*l.out], x[:rows*l.in], l.w, l.b, rows, l.out, l.in)
}
