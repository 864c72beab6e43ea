package whisper

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// stepRow is one sequence advanced by a decoder step: the token it takes,
// the token's position, and the sequence's self-attention cache per layer
// ([n_text_ctx·d] each; the step writes the token's keys and values at pos).
type stepRow struct {
	tok          int
	pos          int
	selfK, selfV [][]float32
}

// stepGroup is the rows of one decoder (one job's window): they share the
// window's cross-attention keys and values. The step leaves each row's
// n_vocab logits in logits.
type stepGroup struct {
	dec    *Decoder
	rows   []stepRow
	logits []float32 // [len(rows)·n_vocab]
}

// stepWork is the scratch of a step: [rows][…] activations.
type stepWork struct {
	x, h, q, k, v, attn, ff, logits []float32
}

// grow makes room for n rows (logits too when withLogits: a step of
// several groups computes them together, then copies each group's out).
func (w *stepWork) grow(h Hparams, n int, withLogits bool) {
	d := h.NTextState
	if len(w.x) < n*d {
		w.x = make([]float32, n*d)
		w.h = make([]float32, n*d)
		w.q = make([]float32, n*d)
		w.k = make([]float32, n*d)
		w.v = make([]float32, n*d)
		w.attn = make([]float32, n*d)
		w.ff = make([]float32, n*4*d)
	}
	if withLogits && len(w.logits) < n*h.NVocab {
		w.logits = make([]float32, n*h.NVocab)
	}
}

// step advances every row of groups by its token in one pass over the
// weights: the matrix products (and the logits over the vocabulary) take
// all rows at once; self-attention runs each row over its own cache and
// cross-attention each group's rows over its window's audio. Each row's
// result is the same bits whatever rows it is computed with
// (kernel.LinearRows), so a job decodes the same alone or batched. Tokens
// and positions must be valid (the callers check them).
func (m *Model) step(w *stepWork, groups []*stepGroup) {
	h := m.H
	d := h.NTextState
	nb := 0
	for _, g := range groups {
		nb += len(g.rows)
	}
	if nb == 0 {
		return
	}
	w.grow(h, nb, len(groups) > 1)
	x, hb := w.x[:nb*d], w.h[:nb*d]
	r := 0
	for _, g := range groups {
		for _, row := range g.rows {
			xr := x[r*d : r*d+d]
			m.tokEmb.Widen(xr, row.tok*d)
			kernel.Add(xr, m.decPos[row.pos*d:(row.pos+1)*d])
			r++
		}
	}
	dh := d / h.NTextHead
	lin := func(l *linear, dst, src []float32, accum bool) {
		kernel.LinearRows(dst[:nb*l.out], src[:nb*l.in], l.w, l.b, nb, l.out, l.in, accum)
	}
	for i := range m.dec {
		blk := &m.dec[i]
		// Self-attention: projections for all rows at once, then each
		// row's query over its own cache.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.attnLN.w, blk.attnLN.b, lnEps)
		lin(&blk.attn.query, w.q, hb, false)
		lin(&blk.attn.key, w.k, hb, false)
		lin(&blk.attn.value, w.v, hb, false)
		r = 0
		for _, g := range groups {
			for _, row := range g.rows {
				sk, sv, p := row.selfK[i], row.selfV[i], row.pos
				copy(sk[p*d:(p+1)*d], w.k[r*d:(r+1)*d])
				copy(sv[p*d:(p+1)*d], w.v[r*d:(r+1)*d])
				kernel.Attention(w.attn[r*d:(r+1)*d], w.q[r*d:(r+1)*d], sk[:(p+1)*d], sv[:(p+1)*d], 1, p+1, h.NTextHead, dh, true, g.dec.scratch)
				r++
			}
		}
		lin(&blk.attn.out, x, w.attn, true)
		// Cross-attention: each group's queries over its window's audio.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.crossAttnLN.w, blk.crossAttnLN.b, lnEps)
		lin(&blk.crossAttn.query, w.q, hb, false)
		r = 0
		for _, g := range groups {
			n := len(g.rows)
			g.dec.cross[i].Attend(w.attn[r*d:(r+n)*d], w.q[r*d:(r+n)*d], n, g.dec.scratchFor(n))
			r += n
		}
		lin(&blk.crossAttn.out, x, w.attn, true)
		// MLP.
		copy(hb, x)
		kernel.LayerNorm(hb, nb, d, blk.mlpLN.w, blk.mlpLN.b, lnEps)
		lin(&blk.mlp.fc1, w.ff, hb, false)
		kernel.GELU(w.ff[:nb*4*d])
		lin(&blk.mlp.fc2, x, w.ff, true)
	}
	copy(hb, x)
	kernel.LayerNorm(hb, nb, d, m.lnDec.w, m.lnDec.b, lnEps)
	nv := h.NVocab
	if len(groups) == 1 {
		kernel.LinearRows(groups[0].logits[:nb*nv], hb, m.tokEmb, nil, nb, nv, d, false)
		return
	}
	kernel.LinearRows(w.logits[:nb*nv], hb, m.tokEmb, nil, nb, nv, d, false)
	r = 0
	for _, g := range groups {
		n := len(g.rows)
		copy(g.logits[:n*nv], w.logits[r*nv:(r+n)*nv])
		r += n
	}
}

// checkRows validates a group's tokens and positions before it is stepped.
func (m *Model) checkRows(rows []stepRow) error {
	h := m.H
	for _, row := range rows {
		if row.tok < 0 || row.tok >= h.NVocab {
			return fmt.Errorf("whisper: token %d out of range", row.tok)
		}
		if row.pos < 0 || row.pos+1 > h.NTextCtx {
			return fmt.Errorf("whisper: %d tokens exceed the text context of %d", row.pos+1, h.NTextCtx)
		}
	}
	return nil
}

// stepGather bounds how long a step's leader waits for the other decoding
// sessions to ask for their next step: longer than a session's sampling
// between steps usually takes, short against a step.
const stepGather = 2 * time.Millisecond

// stepper combines the decoder steps of the sessions of one TextDecoder
// (the jobs a worker decodes at once) into one pass over the weights. It
// has no goroutine of its own: a session that wants a step enqueues a
// request; when no step is running it leads, waiting (at most stepGather)
// until every session that is decoding has a request pending, runs one
// step over all their rows, hands each its logits, and passes the lead to
// a request that arrived meanwhile. The others wait for their request
// under their job's context. A session counts as decoding between join and
// leave; one that left, or whose context ended before its request was
// taken, is never waited for, and a request already in a running step
// keeps its decoder's buffers busy only until that step ends.
type stepper struct {
	m      *Model
	gather time.Duration

	mu      sync.Mutex
	active  int           // sessions between join and leave
	pending []*stepReq    // requests not yet taken, oldest first
	leading bool          // a session holds the lead
	kick    chan struct{} // wakes a waiting leader when pending or active changes

	steps, shared int64 // steps run, and those that served several groups
	rows          int64 // rows stepped

	// The leader's own (only the lead touches them).
	work   stepWork
	groups []*stepGroup
	taken  []*stepReq
	timer  *time.Timer
}

// Request states.
const (
	reqIdle    = iota
	reqPending // waiting to be taken
	reqLead    // pending, and its session is handed the lead
	reqRunning // in a step
	reqDone    // stepped (err says whether it failed)
)

// stepReq is a session's request for one step of its rows. A session
// reuses one; it has at most one outstanding.
type stepReq struct {
	g     stepGroup
	state int
	err   error
	wake  chan struct{} // signalled on reqLead and on reqDone (capacity 1)
}

func newStepper(m *Model) *stepper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &stepper{m: m, gather: stepGather, kick: make(chan struct{}, 1), timer: t}
}

// join counts a session as decoding: leaders wait for its requests.
func (st *stepper) join() {
	st.mu.Lock()
	st.active++
	st.kickLocked()
	st.mu.Unlock()
}

// leave undoes join; every path out of a session's decode calls it.
func (st *stepper) leave() {
	st.mu.Lock()
	st.active--
	st.kickLocked()
	st.mu.Unlock()
}

func (st *stepper) kickLocked() {
	select {
	case st.kick <- struct{}{}:
	default:
	}
}

// errStepPanicked fails the requests of a step that panicked in its leader.
var errStepPanicked = errors.New("whisper: a batched decoder step panicked")

// run steps r's rows, alone or batched with other sessions' requests. It
// returns ctx's error if ctx ends first; r's decoder is then no longer
// being written to.
func (st *stepper) run(ctx context.Context, r *stepReq) error {
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	st.mu.Lock()
	r.state, r.err = reqPending, nil
	st.pending = append(st.pending, r)
	st.kickLocked()
	if !st.leading {
		st.leading = true
		st.mu.Unlock()
		st.lead(r)
		return r.err
	}
	st.mu.Unlock()
	for {
		select {
		case <-r.wake:
		case <-ctx.Done():
			return st.abandon(ctx, r)
		}
		st.mu.Lock()
		state := r.state
		st.mu.Unlock()
		switch state {
		case reqDone:
			return r.err
		case reqLead:
			st.lead(r)
			return r.err
		}
	}
}

// abandon withdraws r when its context ended: a request not yet taken
// leaves the queue (passing on the lead if it was handed it); one in a
// running step waits for the step to end.
func (st *stepper) abandon(ctx context.Context, r *stepReq) error {
	st.mu.Lock()
	switch r.state {
	case reqPending, reqLead:
		st.removeLocked(r)
		if r.state == reqLead {
			<-r.wake // sent with the state change
			st.handOffLocked()
		}
		r.state = reqIdle
		st.kickLocked()
		st.mu.Unlock()
		return ctx.Err()
	case reqRunning:
		st.mu.Unlock()
		<-r.wake
	default: // reqDone: its signal is pending
		st.mu.Unlock()
		<-r.wake
	}
	if r.err != nil {
		return r.err
	}
	return ctx.Err()
}

func (st *stepper) removeLocked(r *stepReq) {
	for i, p := range st.pending {
		if p == r {
			st.pending = append(st.pending[:i], st.pending[i+1:]...)
			return
		}
	}
}

// handOffLocked passes the lead to the oldest pending request, or drops it.
func (st *stepper) handOffLocked() {
	if len(st.pending) == 0 {
		st.leading = false
		return
	}
	next := st.pending[0]
	next.state = reqLead
	next.wake <- struct{}{}
}

// lead runs one step that includes own (pending), then passes the lead on.
func (st *stepper) lead(own *stepReq) {
	st.mu.Lock()
	deadline := time.Now().Add(st.gather)
	for len(st.pending) < st.active {
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		st.mu.Unlock()
		st.timer.Reset(wait)
		select {
		case <-st.kick:
		case <-st.timer.C:
		}
		st.timer.Stop()
		st.mu.Lock()
	}
	st.taken = append(st.taken[:0], st.pending...)
	st.pending = st.pending[:0]
	st.groups = st.groups[:0]
	for _, r := range st.taken {
		r.state = reqRunning
		st.groups = append(st.groups, &r.g)
	}
	st.mu.Unlock()

	finish := func(err error) {
		st.mu.Lock()
		st.steps++
		if len(st.groups) > 1 {
			st.shared++
		}
		for _, g := range st.groups {
			st.rows += int64(len(g.rows))
		}
		clear(st.groups)
		for _, r := range st.taken {
			r.state, r.err = reqDone, err
			if r != own {
				r.wake <- struct{}{}
			}
		}
		clear(st.taken)
		st.taken = st.taken[:0]
		st.handOffLocked()
		st.mu.Unlock()
	}
	defer func() {
		if p := recover(); p != nil {
			finish(errStepPanicked)
			panic(p)
		}
	}()
	st.m.step(&st.work, st.groups)
	finish(nil)
}
