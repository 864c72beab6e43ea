package sampling

import (
	"math"

	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
)

// DetectLanguage is OpenAI's detect_language on one logits row — the
// decoder's output for the single token <|startoftranscript|>: softmax over
// the language tokens only. It returns the likeliest language's code and
// every language's probability (they sum to 1). English-only models cannot
// identify languages; for them it returns "en" with probability 1.
func DetectLanguage(logits []float32, tok *tokenizer.Tokenizer) (code string, probs map[string]float64) {
	if !tok.Multilingual() {
		return "en", map[string]float64{"en": 1}
	}
	langs := tok.Languages()
	first := tok.SOT() + 1
	row := logits[first : first+len(langs)]
	m := maxLogit(row)
	var sum float64
	best, bestV := 0, math.Inf(-1)
	for i, v := range row {
		x := float64(v)
		if x > bestV {
			best, bestV = i, x
		}
		if x > math.Inf(-1) {
			sum += math.Exp(x - m)
		}
	}
	probs = make(map[string]float64, len(langs))
	for i, l := range langs {
		p := 0.0
		if x := float64(row[i]); x > math.Inf(-1) {
			p = math.Exp(x-m) / sum
		}
		probs[l.Code] = p
	}
	return langs[best].Code, probs
}

// NoSpeechProb is the probability of <|nospeech|> under softmax(logits),
// OpenAI's no_speech_prob; pass the logits at the SOT position (before any
// filter).
func NoSpeechProb(logits []float32, tok *tokenizer.Tokenizer) float64 {
	return math.Exp(LogSoftmaxAt(logits, tok.NoSpeech()))
}
