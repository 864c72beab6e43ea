package sampling

import (
	"math"
	"math/rand/v2"
)

// Greedy picks the likeliest token (the first on ties, like torch.argmax)
// and returns it with its log probability under log_softmax(logits), what
// OpenAI adds to sum_logprobs. When no logit is finite it returns -1, -inf.
func Greedy(logits []float32) (tok int, logprob float64) {
	best, bestV := -1, math.Inf(-1)
	for i, v := range logits {
		if x := float64(v); x > bestV {
			best, bestV = i, x
		}
	}
	if best < 0 {
		return -1, math.Inf(-1)
	}
	return best, bestV - logSumExp(logits)
}

// Sample draws a token from softmax(logits / temperature), as OpenAI's
// GreedyDecoder does at temperature > 0 (Categorical(logits/T).sample()).
// The returned log probability is from the untempered log_softmax(logits),
// like OpenAI's sum_logprobs. temperature ≤ 0 (or a nil rng) means Greedy.
// When no logit is finite it returns -1, -inf.
func Sample(logits []float32, temperature float64, rng *rand.Rand) (tok int, logprob float64) {
	if temperature <= 0 || rng == nil {
		return Greedy(logits)
	}
	m := maxLogit(logits)
	if math.IsInf(m, 0) {
		return -1, math.Inf(-1)
	}
	// Terms whose exponent is below underflow are 0 anyway: skip the
	// Exp call (most of the row at low temperature or after suppression).
	const underflow = -746.0
	var sum, sumT float64
	for _, v := range logits {
		d := float64(v) - m // -inf and NaN fail both tests below
		if d > underflow {
			sum += math.Exp(d)
		}
		if d/temperature > underflow {
			sumT += math.Exp(d / temperature)
		}
	}
	u := rng.Float64() * sumT
	var acc float64
	tok = -1
	for i, v := range logits {
		d := (float64(v) - m) / temperature
		if !(d > underflow) {
			continue
		}
		p := math.Exp(d)
		if p == 0 {
			continue
		}
		tok = i
		if acc += p; acc > u {
			break
		}
	}
	return tok, float64(logits[tok]) - m - math.Log(sum)
}
