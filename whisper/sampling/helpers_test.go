package sampling

import (
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
)

// gpt2ByteOrder is the byte of each of GPT-2's single-byte tokens 0–255.
func gpt2ByteOrder() []byte {
	var order []byte
	var seen [256]bool
	for _, r := range [][2]int{{'!', '~'}, {0xA1, 0xAC}, {0xAE, 0xFF}} {
		for b := r[0]; b <= r[1]; b++ {
			order = append(order, byte(b))
			seen[b] = true
		}
	}
	for b := range 256 {
		if !seen[b] {
			order = append(order, byte(b))
		}
	}
	return order
}

// synthTokenizer is a tokenizer over GPT-2's 256 byte tokens with Whisper's
// special-token layout for n_vocab (51864 English-only, 51865 multilingual).
func synthTokenizer(t *testing.T, nVocab int) *tokenizer.Tokenizer {
	t.Helper()
	var v [][]byte
	for _, b := range gpt2ByteOrder() {
		v = append(v, []byte{b})
	}
	tok, err := tokenizer.New(v, nVocab)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func row(n int, v float32) []float32 {
	r := make([]float32, n)
	for i := range r {
		r[i] = v
	}
	return r
}

func isNegInf(v float32) bool { return math.IsInf(float64(v), -1) }

// checkRange reports logits in [from, to) that are (or are not) -inf,
// except those in skip.
func checkRange(t *testing.T, what string, logits []float32, from, to int, wantInf bool, skip ...int) {
	t.Helper()
	bad, first := 0, -1
outer:
	for i := from; i < to; i++ {
		for _, s := range skip {
			if i == s {
				continue outer
			}
		}
		if isNegInf(logits[i]) != wantInf {
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d logits in [%d,%d) have -inf=%v, want %v (first %d)", what, bad, from, to, !wantInf, wantInf, first)
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
