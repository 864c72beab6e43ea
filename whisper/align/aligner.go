package align

import (
	"fmt"
	"math"
)

// normEps is ggml_norm's epsilon in whisper.cpp's DTW (OpenAI divides by
// the standard deviation without one).
const normEps = 1e-9

// Aligner runs Align and keeps its scratch memory between calls. The zero
// value is ready; an Aligner is not safe for concurrent use.
type Aligner struct {
	head   []float32 // one head's [Tokens][frames], standardised
	sums   []float64 // per-frame sums for standardize
	matrix []float32 // summed then negated mean, [rows][frames]
	win    []float32
	dtw    dtwTables
}

// Align turns alignment-head attention into a DTW path over tokens and
// audio frames, as whisper.cpp's whisper_exp_compute_token_level_timestamps_dtw
// does.
//
// The forced token sequence behind w must be: the start-of-transcript
// sequence (sotLen tokens: sot, and for multilingual models the language —
// whisper.cpp; OpenAI also puts the task token there), no_timestamps, the
// text tokens, end-of-text. melFrames is the window's audio length in mel
// frames (10 ms each, at most 2*Ctx); its encoder frames (melFrames/2, 20 ms
// each) are the ones kept. whisper.cpp passes
// min(3000, seek_delta, seek_end-seek).
//
// Rows of the result: row 0 is no_timestamps, row k (k ≥ 1) is the k-th
// text token as decoder input, which predicts text token k (or eot).
func (a *Aligner) Align(w Weights, sotLen, melFrames int, opts ...Option) (*Alignment, error) {
	cfg := defaults()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := w.check(); err != nil {
		return nil, err
	}
	nRows := w.Tokens - sotLen - 1
	if sotLen < 1 || nRows < 1 || nRows > MaxTokens {
		return nil, fmt.Errorf("%w: %d tokens with a start sequence of %d leave %d rows",
			ErrShape, w.Tokens, sotLen, nRows)
	}
	nf := melFrames / 2
	if nf < 1 || nf > w.Ctx {
		return nil, fmt.Errorf("%w: %d mel frames for %d encoder frames", ErrShape, melFrames, w.Ctx)
	}
	T := w.Tokens
	a.head = grow(a.head, T*nf)
	a.matrix = grow(a.matrix, nRows*nf)
	a.win = grow(a.win, cfg.medianWidth)
	clear(a.matrix)
	head, matrix := a.head, a.matrix
	for h := range w.Heads {
		src := w.Data[h*T*w.Ctx : (h+1)*T*w.Ctx]
		for t := range T {
			row := head[t*nf : (t+1)*nf]
			copy(row, src[t*w.Ctx:t*w.Ctx+nf])
			if cfg.renormalize {
				renormalize(row)
			}
		}
		a.sums = growF64(a.sums, 2*nf)
		standardize(head, T, nf, a.sums)
		for r := range nRows {
			t := sotLen + r
			median(matrix[r*nf:(r+1)*nf], head[t*nf:(t+1)*nf], cfg.medianWidth, a.win, true)
		}
	}
	scale := -1 / float32(w.Heads)
	for i, v := range matrix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: non-finite attention after normalisation", ErrShape)
		}
		matrix[i] = v * scale
	}
	rows, cols := a.dtw.run(matrix, nRows, nf)
	return newAlignment(rows, cols, nRows), nil
}

// Align runs a fresh Aligner; see Aligner.Align.
func Align(w Weights, sotLen, melFrames int, opts ...Option) (*Alignment, error) {
	var a Aligner
	return a.Align(w, sotLen, melFrames, opts...)
}

// renormalize scales row to sum to one (OpenAI's softmax over kept frames).
func renormalize(row []float32) {
	var s float64
	for _, v := range row {
		s += float64(v)
	}
	if s <= 0 {
		return
	}
	inv := float32(1 / s)
	for i := range row {
		row[i] *= inv
	}
}

// standardize replaces every column of x (T rows × nf columns) by
// (x - mean) / sqrt(var + 1e-9) over the rows, the population variance —
// ggml_norm along the token axis in whisper.cpp, torch.std_mean(dim=-2,
// unbiased=False) in OpenAI. sums is scratch of length >= 2*nf.
func standardize(x []float32, T, nf int, sums []float64) {
	s, s2 := sums[:nf], sums[nf:2*nf]
	clear(s)
	clear(s2)
	for t := range T {
		for f, v := range x[t*nf : (t+1)*nf] {
			s[f] += float64(v)
		}
	}
	for f := range s {
		s[f] = float64(float32(s[f] / float64(T)))
	}
	for t := range T {
		row := x[t*nf : (t+1)*nf]
		for f := range row {
			d := row[f] - float32(s[f])
			row[f] = d
			s2[f] += float64(d * d)
		}
	}
	for f := range s2 {
		s2[f] = float64(float32(1 / math.Sqrt(float64(float32(s2[f]/float64(T)))+normEps)))
	}
	for t := range T {
		row := x[t*nf : (t+1)*nf]
		for f := range row {
			row[f] *= float32(s2[f])
		}
	}
}
