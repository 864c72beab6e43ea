package sampling

import (
	"math"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	tok := synthTokenizer(t, 51865)
	l := row(tok.NVocab(), 0)
	en, _ := tok.LanguageToken("en")
	de, _ := tok.LanguageToken("de")
	l[en], l[de] = 3, 5
	l[100] = 50 // a text token: ignored
	l[tok.NoSpeech()] = 40
	code, probs := DetectLanguage(l, tok)
	if code != "de" {
		t.Errorf("detected %q, want de", code)
	}
	z := math.Exp(5) + math.Exp(3) + 97 // 99 languages, 97 at logit 0
	if !near(probs["de"], math.Exp(5)/z, 1e-9) || !near(probs["en"], math.Exp(3)/z, 1e-9) || !near(probs["fr"], 1/z, 1e-9) {
		t.Errorf("probs de %v en %v fr %v", probs["de"], probs["en"], probs["fr"])
	}
	var sum float64
	for _, p := range probs {
		sum += p
	}
	if len(probs) != 99 || !near(sum, 1, 1e-9) {
		t.Errorf("%d probabilities summing to %v", len(probs), sum)
	}

	if code, probs := DetectLanguage(l, synthTokenizer(t, 51864)); code != "en" || probs["en"] != 1 {
		t.Errorf("English-only: %q %v", code, probs)
	}
}

func TestNoSpeechProb(t *testing.T) {
	tok := synthTokenizer(t, 51864)
	l := row(tok.NVocab(), negInf)
	l[tok.NoSpeech()] = float32(math.Log(3))
	l[11] = 0
	if p := NoSpeechProb(l, tok); !near(p, 0.75, 1e-7) {
		t.Errorf("NoSpeechProb = %v, want 0.75", p)
	}
}
