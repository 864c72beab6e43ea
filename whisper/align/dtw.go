package align

import (
	"fmt"
	"math"
)

// Trace steps of the DTW table, as in OpenAI's dtw_cpu and whisper.cpp's
// dtw_and_backtrace.
const (
	stepDiag int8 = 0 // from (i-1, j-1)
	stepUp   int8 = 1 // from (i-1, j): next token, same frame
	stepLeft int8 = 2 // from (i, j-1): same token, next frame
)

// dtwTables is the reusable memory of one DTW run.
type dtwTables struct {
	cost  []float32
	trace []int8
	rows  []int32
	cols  []int32
}

// run computes the minimum-cost monotonic path through x (n rows × m
// columns, row-major) from (0, 0) to (n-1, m-1) and returns it from start to
// end as row and column indices. Costs accumulate in float32 and ties are
// broken exactly as whisper.cpp and OpenAI do: diagonal only when strictly
// smaller than both others, then up when strictly smaller than both, else
// left. The returned slices alias the tables' memory.
func (d *dtwTables) run(x []float32, n, m int) (rows, cols []int32) {
	w := m + 1
	size := (n + 1) * w
	d.cost = grow(d.cost, size)
	d.trace = growInt8(d.trace, size)
	cost, trace := d.cost[:size], d.trace[:size]
	inf := float32(math.Inf(1))
	for j := range w {
		cost[j] = inf
	}
	cost[0] = 0
	for i := 1; i <= n; i++ {
		row := cost[i*w : (i+1)*w]
		prev := cost[(i-1)*w : i*w]
		tr := trace[i*w : (i+1)*w]
		xr := x[(i-1)*m : i*m]
		row[0] = inf
		for j := 1; j <= m; j++ {
			c0, c1, c2 := prev[j-1], prev[j], row[j-1]
			var c float32
			var t int8
			switch {
			case c0 < c1 && c0 < c2:
				c, t = c0, stepDiag
			case c1 < c0 && c1 < c2:
				c, t = c1, stepUp
			default:
				c, t = c2, stepLeft
			}
			row[j] = xr[j-1] + c
			tr[j] = t
		}
	}
	// Backtrace: trace[0, :] = 2, trace[:, 0] = 1 (the last assignment wins at
	// (0, 0), which the loop never reads).
	for j := range w {
		trace[j] = stepLeft
	}
	for i := 0; i <= n; i++ {
		trace[i*w] = stepUp
	}
	maxLen := n + m
	d.rows = growInt32(d.rows, maxLen)
	d.cols = growInt32(d.cols, maxLen)
	rs, cs := d.rows[:maxLen], d.cols[:maxLen]
	k := maxLen
	i, j := n, m
	for i > 0 || j > 0 {
		k--
		rs[k], cs[k] = int32(i-1), int32(j-1)
		switch trace[i*w+j] {
		case stepDiag:
			i, j = i-1, j-1
		case stepUp:
			i--
		default:
			j--
		}
	}
	return rs[k:], cs[k:]
}

// DTW returns the dynamic-time-warping path through the cost matrix x
// (n rows × m columns, row-major): the row and column index of every step
// from (0, 0) to (n-1, m-1), as OpenAI's timing.dtw_cpu returns them (its
// text_indices and time_indices) and whisper.cpp's dtw_and_backtrace.
func DTW(x []float32, n, m int) (rows, cols []int, err error) {
	if n <= 0 || m <= 0 || n > MaxTokens || m > MaxFrames || len(x) != n*m {
		return nil, nil, fmt.Errorf("%w: DTW of %d×%d over %d values", ErrShape, n, m, len(x))
	}
	var d dtwTables
	r, c := d.run(x, n, m)
	rows, cols = make([]int, len(r)), make([]int, len(c))
	for k := range r {
		rows[k], cols[k] = int(r[k]), int(c[k])
	}
	return rows, cols, nil
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func growInt8(s []int8, n int) []int8 {
	if cap(s) < n {
		return make([]int8, n)
	}
	return s[:n]
}

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func growF64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
