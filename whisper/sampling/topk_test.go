package sampling

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestTopKMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		n := 1 + r.IntN(300)
		logits := make([]float32, n)
		for i := range logits {
			logits[i] = float32(r.IntN(40)) / 4 // many ties
			if r.IntN(7) == 0 {
				logits[i] = float32(math.Inf(-1))
			}
		}
		k := 1 + r.IntN(17)
		got := TopK(nil, logits, k)
		idx := make([]int, 0, n)
		for i, v := range logits {
			if !math.IsInf(float64(v), -1) {
				idx = append(idx, i)
			}
		}
		sort.SliceStable(idx, func(a, b int) bool { return logits[idx[a]] > logits[idx[b]] })
		want := idx[:min(k, len(idx))]
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d candidates, want %d", trial, len(got), len(want))
		}
		for j := range want {
			if got[j].Token != want[j] {
				t.Fatalf("trial %d: rank %d token %d (%g), want %d (%g)", trial, j, got[j].Token, logits[got[j].Token], want[j], logits[want[j]])
			}
			if lp := LogSoftmaxAt(logits, want[j]); math.Abs(got[j].Logprob-lp) > 1e-12 {
				t.Fatalf("trial %d: logprob %g, want %g", trial, got[j].Logprob, lp)
			}
		}
	}
	if got := TopK(nil, []float32{float32(math.Inf(-1))}, 3); len(got) != 0 {
		t.Fatalf("all -inf: %v", got)
	}
}

func TestSequenceScore(t *testing.T) {
	if got := SequenceScore(-6, 3, 0); got != -2 {
		t.Errorf("no penalty: %g, want -2 (the average)", got)
	}
	if got := SequenceScore(-6, 3, -1); got != -2 {
		t.Errorf("whisper.cpp's -1: %g, want -2", got)
	}
	want := -6 / math.Pow(8.0/6, 0.6)
	if got := SequenceScore(-6, 3, 0.6); math.Abs(got-want) > 1e-12 {
		t.Errorf("GNMT 0.6: %g, want %g", got, want)
	}
	if got := SequenceScore(-1.5, 0, 0); got != -1.5 {
		t.Errorf("empty: %g", got)
	}
}
