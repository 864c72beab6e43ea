package sampling

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGreedy(t *testing.T) {
	ln3 := float32(math.Log(3))
	for _, tc := range []struct {
		logits []float32
		tok    int
		lp     float64
	}{
		{[]float32{0, ln3}, 1, math.Log(0.75)},
		{[]float32{ln3, 0}, 0, math.Log(0.75)},
		{[]float32{2, 5, 5, negInf}, 1, 5 - math.Log(math.Exp(2)+2*math.Exp(5))}, // first of a tie
		{[]float32{negInf, -3, negInf}, 1, 0},
		{[]float32{float32(math.NaN()), 1, 0}, 1, 1 - math.Log(math.E+1)},
		{[]float32{negInf, negInf}, -1, math.Inf(-1)},
	} {
		tok, lp := Greedy(tc.logits)
		if tok != tc.tok || !(near(lp, tc.lp, 1e-6) || math.IsInf(lp, -1) && math.IsInf(tc.lp, -1)) {
			t.Errorf("Greedy(%v) = %d, %v; want %d, %v", tc.logits, tok, lp, tc.tok, tc.lp)
		}
	}
}

func TestSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ln3 := float32(math.Log(3))
	logits := []float32{0, ln3, negInf}
	for _, tc := range []struct {
		temp  float64
		want1 float64 // P(token 1)
	}{
		{1, 0.75},  // p ∝ 1 : 3
		{0.5, 0.9}, // p ∝ 1 : 9
		{2, math.Sqrt(3) / (1 + math.Sqrt(3))},
	} {
		const draws = 40000
		count := 0
		for range draws {
			tok, lp := Sample(logits, tc.temp, rng)
			switch tok {
			case 1:
				count++
				if !near(lp, math.Log(0.75), 1e-6) {
					t.Fatalf("logprob of token 1 = %v, want untempered ln 0.75", lp)
				}
			case 0:
				if !near(lp, math.Log(0.25), 1e-6) {
					t.Fatalf("logprob of token 0 = %v, want untempered ln 0.25", lp)
				}
			default:
				t.Fatalf("sampled suppressed token %d", tok)
			}
		}
		if got := float64(count) / draws; !near(got, tc.want1, 0.01) {
			t.Errorf("T=%v: P(1) = %.4f, want %.4f", tc.temp, got, tc.want1)
		}
	}
	if tok, _ := Sample(logits, 0, rng); tok != 1 {
		t.Errorf("T=0 sample = %d, want greedy 1", tok)
	}
	if tok, lp := Sample([]float32{negInf}, 1, rng); tok != -1 || !math.IsInf(lp, -1) {
		t.Errorf("all -inf: %d, %v", tok, lp)
	}
}

func TestNoAllocations(t *testing.T) {
	tok := synthTokenizer(t, 51865)
	n := tok.NVocab()
	logits := row(n, 0)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)))
	}
	work := make([]float32, n)
	sup := tok.SuppressTokens()
	tokens := []int{tok.TimestampBegin(), 100, 200}
	rng := rand.New(rand.NewPCG(3, 4))
	allocs := testing.AllocsPerRun(20, func() {
		copy(work, logits)
		SuppressBlank(work, tok)
		SuppressTokens(work, sup)
		ApplyTimestampRules(work, tok, tokens, DefaultMaxInitialTimestampIndex)
		Greedy(work)
		Sample(work, 0.7, rng)
		NoSpeechProb(logits, tok)
	})
	if allocs != 0 {
		t.Errorf("per-step rules allocate %v times", allocs)
	}
}
