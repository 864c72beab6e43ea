package sampling

import (
	"math"
	"sort"
)

// Candidate is a token with its log probability under log_softmax(logits).
type Candidate struct {
	Token   int
	Logprob float64
}

// TopK appends to dst the k likeliest tokens of logits, likeliest first
// (the lower id first on ties, like torch.topk on CPU in practice), with
// their log probabilities: OpenAI's BeamSearchDecoder takes
// logprobs.topk(beam_size + 1) of each beam. Tokens whose logit is -inf or
// NaN are never returned, so fewer than k may come back.
func TopK(dst []Candidate, logits []float32, k int) []Candidate {
	lse := logSumExp(logits)
	if k <= 0 || math.IsInf(lse, 0) {
		return dst
	}
	start := len(dst)
	// Insertion into a sorted window of at most k: k is small (≤ 17).
	for i, v := range logits {
		x := float64(v)
		if !(x > math.Inf(-1)) {
			continue
		}
		top := dst[start:]
		if len(top) == k && x <= float64(logits[top[k-1].Token]) {
			continue
		}
		at := sort.Search(len(top), func(j int) bool { return float64(logits[top[j].Token]) < x })
		if len(top) < k {
			dst = append(dst, Candidate{})
			top = dst[start:]
		}
		copy(top[at+1:], top[at:len(top)-1])
		top[at] = Candidate{Token: i}
	}
	for j := start; j < len(dst); j++ {
		dst[j].Logprob = float64(logits[dst[j].Token]) - lse
	}
	return dst
}

// SequenceScore is OpenAI's MaximumLikelihoodRanker score of a finished
// sequence: its summed log probability over a length penalty. With
// lengthPenalty ≤ 0 the penalty is the length itself (OpenAI's None,
// whisper.cpp's default −1: the average log probability); in (0, 1] it is
// Google NMT's ((5 + length)/6)^lengthPenalty. length counts the sampled
// tokens without EOT.
func SequenceScore(sumLogprob float64, length int, lengthPenalty float64) float64 {
	penalty := float64(length)
	if lengthPenalty > 0 {
		penalty = math.Pow((5+penalty)/6, lengthPenalty)
	}
	if penalty == 0 {
		return sumLogprob // an empty sequence: nothing to normalise
	}
	return sumLogprob / penalty
}
