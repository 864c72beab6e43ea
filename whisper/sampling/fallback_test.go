package sampling

import (
	"math"
	"strings"
	"testing"
)

func TestCompressionRatio(t *testing.T) {
	// python: len(b) / len(zlib.compress(b)), CPython's zlib at level 6.
	for _, tc := range []struct {
		text   string
		python float64
		above  bool // above OpenAI's 2.4 threshold
	}{
		{strings.Repeat("ab", 1000), 2000.0 / 24, true},
		{"And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.", 107.0 / 79, false},
		{"Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you.", 76.0 / 22, true},
		{"The quick brown fox jumps over the lazy dog.", 44.0 / 51, false},
		{"Hello, world!", 13.0 / 21, false},
		{"a", 1.0 / 9, false},
	} {
		got := CompressionRatio(tc.text)
		if (got > 2.4) != tc.above {
			t.Errorf("CompressionRatio(%.20q…) = %.3f, want above 2.4: %v", tc.text, got, tc.above)
		}
		if !near(got, tc.python, 0.05*tc.python) {
			t.Errorf("CompressionRatio(%.20q…) = %.4f, Python's zlib gives %.4f", tc.text, got, tc.python)
		}
	}
	if got := CompressionRatio(""); got != 0 {
		t.Errorf("CompressionRatio(\"\") = %v, want 0", got)
	}
	// Without Go's trailing empty block, tiny texts match zlib exactly.
	for text, want := range map[string]float64{"Hello, world!": 13.0 / 21, "a": 1.0 / 9} {
		if got := CompressionRatio(text); got != want {
			t.Errorf("CompressionRatio(%q) = %v, want Python's %v exactly", text, got, want)
		}
	}
}

func TestNeedsFallback(t *testing.T) {
	th := DefaultThresholds()
	nan := math.NaN()
	for _, tc := range []struct {
		avg, cr, nsp float64
		th           Thresholds
		want         bool
	}{
		{-0.3, 1.5, 0.1, th, false},                        // fine
		{-0.3, 2.5, 0.1, th, true},                         // too repetitive
		{-1.2, 1.5, 0.1, th, true},                         // too unlikely
		{-1.2, 1.5, 0.7, th, false},                        // silence: no temperature helps
		{-0.3, 2.5, 0.7, th, true},                         // repetitive, confident: not silence
		{-1.2, 2.5, 0.7, th, false},                        // silence wins over repetition
		{-1.0, 2.4, 0.6, th, false},                        // thresholds are strict
		{-1.2, 2.5, 0.7, Thresholds{2.4, -1, nan}, true},   // no silence rule
		{-1.2, 2.5, 0.1, Thresholds{nan, nan, 0.6}, false}, // all off
		{-1.2, 1.5, 0.7, Thresholds{2.4, nan, 0.6}, false}, // logprob off: silence needs it, fallback needs it
	} {
		if got := NeedsFallback(tc.avg, tc.cr, tc.nsp, tc.th); got != tc.want {
			t.Errorf("NeedsFallback(avg %v, cr %v, nsp %v, %+v) = %v", tc.avg, tc.cr, tc.nsp, tc.th, got)
		}
	}
}

func TestSkipAsSilence(t *testing.T) {
	th := DefaultThresholds()
	nan := math.NaN()
	for _, tc := range []struct {
		nsp, avg float64
		th       Thresholds
		want     bool
	}{
		{0.7, -1.5, th, true},
		{0.7, -0.5, th, false}, // confident despite no_speech_prob
		{0.5, -1.5, th, false},
		{0.7, -0.5, Thresholds{2.4, nan, 0.6}, true}, // no logprob veto
		{0.9, -3, Thresholds{2.4, -1, nan}, false},   // rule off
	} {
		if got := SkipAsSilence(tc.nsp, tc.avg, tc.th); got != tc.want {
			t.Errorf("SkipAsSilence(%v, %v, %+v) = %v", tc.nsp, tc.avg, tc.th, got)
		}
	}
	if got := AvgLogprob(-3, 2); got != -1 {
		t.Errorf("AvgLogprob(-3, 2) = %v, want -1", got)
	}
	if ts := DefaultTemperatures(); len(ts) != 6 || ts[0] != 0 || ts[5] != 1 {
		t.Errorf("DefaultTemperatures = %v", ts)
	}
}
