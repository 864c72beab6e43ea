package sampling

import "sort"

// Discrete draws indices with probabilities proportional to a row of
// weights exactly as libstdc++'s std::discrete_distribution<int> over
// whisper.cpp's float probabilities: the weights normalised by their double
// sum, their running sums (the last forced to 1), and for a draw the first
// index whose running sum is at least MT19937.Canonical. Reset reuses its
// memory, so a decoder's steps allocate nothing once it has grown.
type Discrete struct {
	cp []float64
}

// Reset sets the weights (non-negative, not all zero; whisper.cpp's probs,
// 0 for suppressed tokens).
func (d *Discrete) Reset(weights []float32) {
	d.cp = d.cp[:0]
	if len(weights) < 2 {
		// libstdc++ keeps no table for fewer than two weights and always
		// returns 0.
		return
	}
	var sum float64
	for _, w := range weights {
		sum += float64(w)
	}
	var acc float64
	for _, w := range weights {
		acc += float64(w) / sum
		d.cp = append(d.cp, acc)
	}
	d.cp[len(d.cp)-1] = 1
}

// Draw returns the next index drawn with g.
func (d *Discrete) Draw(g *MT19937) int {
	if len(d.cp) == 0 {
		return 0
	}
	p := g.Canonical()
	return sort.SearchFloat64s(d.cp, p)
}
