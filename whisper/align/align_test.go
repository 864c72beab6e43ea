package align

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
)

type refResult struct {
	First  []int   `json:"first"`
	TDTW   []int64 `json:"t_dtw"`
	Rows   []int   `json:"rows"`
	Frames []int   `json:"frames"`
}

type reference struct {
	Heads      int       `json:"heads"`
	Tokens     int       `json:"tokens"`
	Ctx        int       `json:"ctx"`
	Sot        int       `json:"sot"`
	MelFrames  int       `json:"mel_frames"`
	WhisperCpp refResult `json:"whisper_cpp"`
	OpenAI     refResult `json:"openai"`
}

// referenceWeights rebuilds reference.py's input: per (head, token) row,
// scores -(f-centre)²/8 plus uniform noise from a 64-bit LCG, softmaxed over
// the whole context (what whisper.cpp's decoder hands over).
func referenceWeights(r reference) Weights {
	s := uint64(0x9E3779B97F4A7C15)
	data := make([]float32, 0, r.Heads*r.Tokens*r.Ctx)
	row := make([]float64, r.Ctx)
	for h := range r.Heads {
		for t := range r.Tokens {
			centre := 2.0 + 5.0*float64(t-r.Sot) + float64(h)
			for f := range r.Ctx {
				s = s*6364136223846793005 + 1442695040888963407
				u := float64(s>>11) / float64(uint64(1)<<53)
				row[f] = -((float64(f)-centre)*(float64(f)-centre))/8 + 2*(u-0.5)
			}
			m := slices.Max(row)
			var sum float64
			for _, v := range row {
				sum += math.Exp(v - m)
			}
			for _, v := range row {
				data = append(data, float32(math.Exp(v-m)/sum))
			}
		}
	}
	return Weights{Data: data, Heads: r.Heads, Tokens: r.Tokens, Ctx: r.Ctx}
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAlignMatchesPythonReference checks the whole pipeline against
// testdata/reference.json (made by testdata/reference.py, a plain-Python
// transcription of OpenAI's find_alignment and whisper.cpp's DTW steps), in
// whisper.cpp's mode and in OpenAI's (WithRenormalize).
func TestAlignMatchesPythonReference(t *testing.T) {
	ref := loadReference(t)
	w := referenceWeights(ref)
	for _, c := range []struct {
		name string
		want refResult
		opts []Option
	}{
		{"whisper.cpp", ref.WhisperCpp, nil},
		{"openai", ref.OpenAI, []Option{WithRenormalize(true)}},
	} {
		a, err := Align(w, ref.Sot, ref.MelFrames, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Rows, c.want.Rows) || !slices.Equal(a.Frames, c.want.Frames) {
			t.Errorf("%s: path\n rows %v\n cols %v\nwant\n rows %v\n cols %v", c.name, a.Rows, a.Frames, c.want.Rows, c.want.Frames)
		}
		if !slices.Equal(a.First, c.want.First) {
			t.Errorf("%s: first frames %v, want %v", c.name, a.First, c.want.First)
		}
		if got := a.TokenTimes(0); !slices.Equal(got, c.want.TDTW) {
			t.Errorf("%s: t_dtw %v, want %v", c.name, got, c.want.TDTW)
		}
	}
}

// whisper.cpp adds seek (centiseconds) to 2 × frame; OpenAI's spans chain:
// each token ends where the next starts, the first starts at frame 0.
func TestTokenTimesAndSpans(t *testing.T) {
	a := &Alignment{First: []int{0, 5, 10, 16}}
	if got := a.TokenTimes(3000); !slices.Equal(got, []int64{3010, 3020, 3032}) {
		t.Fatalf("TokenTimes = %v", got)
	}
	start, end := a.Spans(100)
	if !slices.Equal(start, []int64{100, 110, 120}) || !slices.Equal(end, []int64{110, 120, 132}) {
		t.Fatalf("Spans = %v %v", start, end)
	}
}

func TestAlignShapes(t *testing.T) {
	ref := loadReference(t)
	w := referenceWeights(ref)
	bad := []struct {
		name       string
		w          Weights
		sot, mel   int
		wantErrMsg string
	}{
		{"short data", Weights{Data: w.Data[:10], Heads: 3, Tokens: 9, Ctx: 40}, 1, 70, ""},
		{"no rows", w, 8, 70, ""},
		{"zero sot", w, 0, 70, ""},
		{"too many frames", w, 1, 82, ""},
		{"no frames", w, 1, 1, ""},
	}
	for _, c := range bad {
		if _, err := Align(c.w, c.sot, c.mel); !errors.Is(err, ErrShape) {
			t.Errorf("%s: err %v, want ErrShape", c.name, err)
		}
	}
	if _, err := Align(w, 1, 70, WithMedianWidth(4)); !errors.Is(err, ErrShape) {
		t.Errorf("even median width: err %v", err)
	}
	nan := Weights{Data: slices.Clone(w.Data), Heads: w.Heads, Tokens: w.Tokens, Ctx: w.Ctx}
	nan.Data[5] = float32(math.NaN())
	if _, err := Align(nan, 1, 70); !errors.Is(err, ErrShape) {
		t.Errorf("NaN weights: err %v", err)
	}
}

// An Aligner reuses its tables: after the first call only the result is
// allocated.
func TestAlignerReusesMemory(t *testing.T) {
	ref := loadReference(t)
	w := referenceWeights(ref)
	var a Aligner
	if _, err := a.Align(w, ref.Sot, ref.MelFrames); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := a.Align(w, ref.Sot, ref.MelFrames); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 5 {
		t.Fatalf("%v allocations per Align, want ≤ 5 (the Alignment, its 3 slices, the options)", allocs)
	}
}
