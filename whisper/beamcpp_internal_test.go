package whisper

import (
	"context"
	"math"
	"slices"
	"testing"
)

// whisper_sequence_score: the sum over the result length, divided by the
// length (or the length penalty), and the entropy of the last 32 tokens.
func TestCppScore(t *testing.T) {
	q := cppSequence{resultLen: 3, tokens: []cppToken{{1, -1}, {2, -2}, {1, -3}, {9, -100}}}
	score, entropy := cppScore(q, 0)
	if score != -2 {
		t.Errorf("score %g, want -2 (the 4th token is past the result length)", score)
	}
	if want := -(2.0/3*math.Log(2.0/3) + 1.0/3*math.Log(1.0/3)); math.Abs(entropy-want) > 1e-12 {
		t.Errorf("entropy %g, want %g", entropy, want)
	}
	if s, _ := cppScore(q, 1); math.Abs(s-(-6/((5+3)/6.0))) > 1e-12 {
		t.Errorf("length penalty 1: %g", s)
	}
	if s, _ := cppScore(cppSequence{}, 0); !math.IsInf(s, -1) {
		t.Errorf("empty: %g, want -Inf", s)
	}
}

// cppBest: a decoder whose last 32 tokens repeat fails (entropy below 2.4)
// even with the better score; when every decoder failed, decoder 0's whole
// sequence is the result, marked failed.
func TestCppBestRules(t *testing.T) {
	m := seededModel(t, 1)
	s := &session{t: m.NewTextDecoder(Options{})}
	rep := cppSequence{resultLen: 40}
	var varied cppSequence
	for i := range 40 {
		rep.tokens = append(rep.tokens, cppToken{id: 100, plog: -0.1})
		varied.tokens = append(varied.tokens, cppToken{id: 200 + i, plog: -1})
	}
	varied.resultLen = 40
	a := s.cppBest([]cppDecoder{{seq: rep}, {seq: varied}}, 0)
	if a.failed || len(a.tokens) != 40 || a.tokens[0] != 200 {
		t.Errorf("repetitive decoder won or failed: %+v", a)
	}
	dec0 := cppSequence{tokens: []cppToken{{id: 7, plog: -1}, {id: 8, plog: -2}, {id: m.Tok.EOT(), plog: -3}}}
	a = s.cppBest([]cppDecoder{{seq: dec0, failed: true}, {seq: varied, failed: true}}, 0.2)
	if !a.failed || !slices.Equal(a.tokens, []int{7, 8}) || a.avgLogprob != -2 || a.temperature != 0.2 {
		t.Errorf("all failed: %+v, want decoder 0's tokens [7 8], avg -2, failed", a)
	}
}

// cppUpdate: a timestamp before the decoder's last one fails it; EOT
// completes it with the result cut at its last timestamp; a decode still
// open at the last step without a timestamp fails (a repetition loop).
func TestCppUpdateRules(t *testing.T) {
	m := seededModel(t, 1)
	s := &session{t: m.NewTextDecoder(Options{})}
	if s.noTimestamps() {
		t.Skip("the seeded model decodes without timestamps")
	}
	beg, eot := m.Tok.TimestampBegin(), m.Tok.EOT()
	seq := func(ids ...int) cppSequence {
		var q cppSequence
		for _, id := range ids {
			q.tokens = append(q.tokens, cppToken{id: id})
		}
		return q
	}
	frames := audioFrames(fullWindow)
	decs := []cppDecoder{
		{seq: seq(beg+10, 50, beg+20, 60, beg+15), seekDelta: 40, hasTS: true},
		{seq: seq(beg+10, 50, beg+20, 60, eot), seekDelta: 40, hasTS: true},
		{seq: seq(50, 60, 70), seekDelta: cppSeekWindow},
	}
	decs[0].seq.resultLen, decs[1].seq.resultLen = 3, 3
	s.cppUpdate(decs, 4, 5, frames)
	if !decs[0].failed {
		t.Error("a timestamp going back did not fail the decoder")
	}
	if !decs[1].completed || decs[1].seq.resultLen != 3 {
		t.Errorf("EOT: completed %v, result length %d, want true, 3", decs[1].completed, decs[1].seq.resultLen)
	}
	if !decs[2].failed {
		t.Error("a decode without timestamps open at the last step did not fail")
	}
}

// The same job decodes to the same text every time: the generators are
// seeded per job, not shared between jobs.
func TestCppBeamDeterministic(t *testing.T) {
	m := seededModel(t, 2)
	frames := audioFrames(fullWindow)
	var first []int
	for i := range 2 {
		s, start, _ := primedSession(t, m, Options{BeamSize: 3, MaxTokens: 12}, 2)
		a, err := s.cppBeamSearch(context.Background(), start, frames, 3, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = a.tokens
			continue
		}
		if !slices.Equal(a.tokens, first) {
			t.Errorf("second job %v, first %v", a.tokens, first)
		}
	}
}

// BenchmarkCppProcess times one decoder's share of a whisper.cpp beam step
// outside the model: whisper_process_logits over the vocabulary and
// setting up the draws (Discrete.Reset) plus beam_size draws.
func BenchmarkCppProcess(b *testing.B) {
	m := seededModel(b, 1)
	s := &session{t: m.NewTextDecoder(Options{})}
	nv := m.H.NVocab
	base := make([]float32, nv)
	for i := range base {
		base[i] = float32(math.Sin(float64(i))) * 3
	}
	row := make([]float32, nv)
	d := &cppDecoder{seekDelta: cppSeekWindow, logprobs: make([]float32, nv), probs: make([]float32, nv)}
	g := s.cppRand(0)
	for b.Loop() {
		copy(row, base)
		s.cppProcess(row, d, 0)
		s.cppDist.Reset(d.probs)
		for range 5 {
			s.cppDist.Draw(g)
		}
	}
}
