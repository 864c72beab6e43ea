package tokenizer

import (
	"context"
	"fmt"
)

// ctxCheckEvery is how many merge steps (or pre-tokenised pieces) pass
// between checks of the context in EncodeBPEContext.
const ctxCheckEvery = 1024

// EncodeBPE turns text into token ids as OpenAI's whisper does (tiktoken):
// GPT-2 pre-tokenisation, then byte-pair merging of each piece, where a
// token's merge rank is its id — true of both Whisper vocabularies, whose
// ids are tiktoken's ranks. Unlike Encode it yields the tokenisation the
// model saw in training; the two agree on most text (they differ where a
// greedy longest match is not the BPE result). Special tokens are never
// produced. Bytes no token covers are skipped.
//
// The merge takes O(n log n) time in the length of a piece. For text from
// outside (a job's prompt) use EncodeBPEContext, which can be cancelled.
func (t *Tokenizer) EncodeBPE(text string) []int {
	out, _ := t.EncodeBPEContext(context.Background(), text) // Background is never done
	return out
}

// EncodeBPEContext is EncodeBPE that gives up when ctx is done: it checks ctx
// every ctxCheckEvery merge steps and pre-tokenised pieces, and then returns
// an error wrapping ctx.Err() and no tokens.
func (t *Tokenizer) EncodeBPEContext(ctx context.Context, text string) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: encoding %d bytes: %w", len(text), err)
	}
	m := merger{t: t, ctx: ctx}
	var out []int
	pieces := 0
	splitWords(text, func(piece string) bool {
		if pieces++; pieces%ctxCheckEvery == 0 {
			if m.err = ctx.Err(); m.err != nil {
				return false
			}
		}
		if len(piece) <= t.maxLen {
			if id, ok := t.ranks[piece]; ok {
				out = append(out, id)
				return true
			}
		}
		out = m.merge(piece, out)
		return m.err == nil
	})
	if m.err != nil {
		return nil, fmt.Errorf("tokenizer: encoding %d bytes: %w", len(text), m.err)
	}
	return out, nil
}

// merger byte-pair merges pieces, keeping its scratch space between them.
//
// The parts of a piece form a linked list over their start offsets; every
// adjacent pair whose joined bytes are a token sits in a min-heap ordered by
// (rank, start). Popping the least pair repeatedly — skipping entries whose
// parts have changed since they were pushed — merges the same pairs in the
// same order as tiktoken's _byte_pair_merge (the lowest rank first, the
// leftmost on ties), in O(n log n) instead of O(n²).
type merger struct {
	t    *Tokenizer
	ctx  context.Context
	err  error
	next []int32 // next[i]: start of the part after the one starting at i (len(piece) at the end)
	prev []int32 // prev[i]: start of the part before (−1 for the first)
	live []bool  // live[i]: a part starts at i
	heap []pair
	step int
}

// pair is two adjacent parts, [start, mid) and [mid, end), whose joined bytes
// piece[start:end] are the token rank.
type pair struct{ rank, start, mid, end int32 }

func (a pair) less(b pair) bool {
	return a.rank < b.rank || a.rank == b.rank && a.start < b.start
}

// merge appends the tokens of piece (not itself a token) to out.
func (m *merger) merge(piece string, out []int) []int {
	if len(piece) > maxPiece {
		// Offsets are int32; no text this long is ever encoded (a job's
		// prompt is capped at 1 KiB), but stay correct: merge in halves.
		out = m.merge(piece[:maxPiece], out)
		return m.merge(piece[maxPiece:], out)
	}
	n := int32(len(piece))
	m.next, m.prev, m.live = m.next[:0], m.prev[:0], m.live[:0]
	for i := range n {
		if !m.tick() {
			return out
		}
		m.next = append(m.next, i+1)
		m.prev = append(m.prev, i-1)
		m.live = append(m.live, true)
	}
	m.heap = m.heap[:0]
	for i := int32(0); i+1 < n; i++ {
		if !m.tick() {
			return out
		}
		if r, ok := m.rank(piece, i, i+2); ok {
			m.heap = append(m.heap, pair{r, i, i + 1, i + 2})
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	for len(m.heap) > 0 {
		if !m.tick() {
			return out
		}
		p := m.pop()
		if !m.live[p.start] || m.next[p.start] != p.mid || m.next[p.mid] != p.end {
			continue // stale: one of its parts was merged since
		}
		// Join [start, mid) and [mid, end).
		m.live[p.mid] = false
		m.next[p.start] = p.end
		if p.end < n {
			m.prev[p.end] = p.start
			m.push(piece, p.start, p.end, m.next[p.end])
		}
		if before := m.prev[p.start]; before >= 0 {
			m.push(piece, before, p.start, p.end)
		}
	}
	for i := int32(0); i < n; i = m.next[i] {
		seg := piece[i:m.next[i]]
		if id, ok := m.t.ranks[seg]; ok {
			out = append(out, id)
			continue
		}
		for k := range len(seg) { // unmergeable leftovers: byte by byte
			if id, ok := m.t.ranks[seg[k:k+1]]; ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// maxPiece is the longest piece merge takes in one go (offsets are int32).
const maxPiece = 1<<31 - 1

// tick counts a step and, every ctxCheckEvery steps, checks the context;
// it reports whether to carry on.
func (m *merger) tick() bool {
	if m.step++; m.step%ctxCheckEvery == 0 && m.err == nil {
		m.err = m.ctx.Err()
	}
	return m.err == nil
}

// rank is the rank of piece[start:end] when those bytes are a token.
func (m *merger) rank(piece string, start, end int32) (int32, bool) {
	if int(end-start) > m.t.maxLen {
		return 0, false // longer than any token
	}
	r, ok := m.t.ranks[piece[start:end]]
	return int32(r), ok
}

// push adds the pair [start, mid)+[mid, end) when its bytes are a token.
func (m *merger) push(piece string, start, mid, end int32) {
	r, ok := m.rank(piece, start, end)
	if !ok {
		return
	}
	h := append(m.heap, pair{r, start, mid, end})
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h[i].less(h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	m.heap = h
}

// pop removes and returns the least pair of the heap.
func (m *merger) pop() pair {
	top := m.heap[0]
	last := len(m.heap) - 1
	m.heap[0] = m.heap[last]
	m.heap = m.heap[:last]
	m.down(0)
	return top
}

// down restores the heap order below i.
func (m *merger) down(i int) {
	h := m.heap
	for {
		l, least := 2*i+1, i
		if l < len(h) && h[l].less(h[least]) {
			least = l
		}
		if r := l + 1; r < len(h) && h[r].less(h[least]) {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}
