package sampling

import "math"

// Thresholds are the window-level quality rules of OpenAI's transcribe. A
// NaN field disables its rule (OpenAI's None). The zero value is not useful:
// start from DefaultThresholds.
type Thresholds struct {
	// CompressionRatio: a decode whose text compresses better than this is
	// too repetitive (default 2.4).
	CompressionRatio float64
	// Logprob: a decode whose average token log probability is below this
	// is too unlikely (default -1).
	Logprob float64
	// NoSpeech: a window whose no-speech probability is above this may be
	// silence (default 0.6).
	NoSpeech float64
}

// DefaultThresholds are OpenAI transcribe's defaults:
// compression_ratio_threshold 2.4, logprob_threshold -1.0,
// no_speech_threshold 0.6.
func DefaultThresholds() Thresholds {
	return Thresholds{CompressionRatio: 2.4, Logprob: -1, NoSpeech: 0.6}
}

// DefaultTemperatures are the temperatures OpenAI's transcribe tries in
// turn while a decode needs fallback: 0, 0.2, …, 1.0.
func DefaultTemperatures() []float64 {
	return []float64{0, 0.2, 0.4, 0.6, 0.8, 1.0}
}

// AvgLogprob is OpenAI's avg_logprob: the summed log probabilities of the
// sampled tokens (EOT's included) over the number of text and timestamp
// tokens plus one (for EOT).
func AvgLogprob(sumLogprob float64, nTokens int) float64 {
	return sumLogprob / float64(nTokens+1)
}

// NeedsFallback is decode_with_fallback's test for retrying a window at the
// next temperature: the text is too repetitive (compression ratio above the
// threshold) or too unlikely (average log probability below the threshold)
// — unless the window is probably silence (no-speech probability above its
// threshold and average log probability below its threshold), which no
// temperature will fix.
func NeedsFallback(avgLogprob, compressionRatio, noSpeechProb float64, th Thresholds) bool {
	fallback := on(th.CompressionRatio) && compressionRatio > th.CompressionRatio ||
		on(th.Logprob) && avgLogprob < th.Logprob
	if on(th.NoSpeech) && noSpeechProb > th.NoSpeech && on(th.Logprob) && avgLogprob < th.Logprob {
		fallback = false // silence
	}
	return fallback
}

// SkipAsSilence is transcribe's no-voice-activity check on a window's final
// decode: skip it (emit nothing) when the no-speech probability is above its
// threshold, unless the average log probability is above the log
// probability threshold (the model is confident despite it).
func SkipAsSilence(noSpeechProb, avgLogprob float64, th Thresholds) bool {
	if !on(th.NoSpeech) {
		return false
	}
	skip := noSpeechProb > th.NoSpeech
	if on(th.Logprob) && avgLogprob > th.Logprob {
		skip = false
	}
	return skip
}

// on reports whether a threshold is set (not NaN).
func on(threshold float64) bool { return !math.IsNaN(threshold) }
