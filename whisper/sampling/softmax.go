package sampling

import "math"

// Logits are float32; sums and logs are taken in float64. NaN logits are
// treated as -inf (they never win and add no probability).

// maxLogit is the largest logit in row; -inf when the row is empty, all
// -inf or NaN.
func maxLogit(row []float32) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		if x := float64(v); x > m {
			m = x
		}
	}
	return m
}

// logSumExp is log Σ exp(row[i]), computed stably; -inf when no logit is
// finite.
func logSumExp(row []float32) float64 {
	m := maxLogit(row)
	if math.IsInf(m, 0) {
		return m
	}
	var sum float64
	for _, v := range row {
		if x := float64(v); x > math.Inf(-1) { // skips -inf and NaN
			sum += math.Exp(x - m)
		}
	}
	return m + math.Log(sum)
}

// LogSoftmaxAt is log softmax(logits)[id]: the log probability of token id.
// -inf for an id outside the row.
func LogSoftmaxAt(logits []float32, id int) float64 {
	if id < 0 || id >= len(logits) {
		return math.Inf(-1)
	}
	return float64(logits[id]) - logSumExp(logits)
}
