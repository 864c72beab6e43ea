package tokenizer

import (
	"fmt"
	"strconv"
)

// DecodeBytes concatenates the bytes of the text tokens among tokens
// (ids below EOT); special and timestamp tokens are skipped. Tokens are
// byte-level, so a single token may hold part of a UTF-8 character.
func (t *Tokenizer) DecodeBytes(tokens []int) []byte {
	var out []byte
	for _, id := range tokens {
		if id >= 0 && id < len(t.tokens) {
			out = append(out, t.tokens[id]...)
		}
	}
	return out
}

// Decode is DecodeBytes as a string: the text of the text tokens, specials
// and timestamps skipped (OpenAI's Tokenizer.decode filters only timestamps;
// other specials never occur in sampled text because they are suppressed).
func (t *Tokenizer) Decode(tokens []int) string {
	return string(t.DecodeBytes(tokens))
}

// TokenText renders one token for display: a text token's bytes (possibly
// a partial UTF-8 character), or a special token's name as OpenAI's
// tokenizer spells it — "<|endoftext|>", "<|startoftranscript|>", "<|en|>",
// "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
// "<|nospeech|>", "<|notimestamps|>", timestamps as "<|1.08|>". An id the
// layout leaves unnamed renders as whisper.cpp does, "[_extra_token_N]"; an
// id outside [0, n_vocab) as "".
func (t *Tokenizer) TokenText(id int) string {
	switch {
	case id < 0 || id >= t.nVocab:
		return ""
	case id < len(t.tokens):
		return string(t.tokens[id])
	case id == t.eot:
		return "<|endoftext|>"
	case id == t.sot:
		return "<|startoftranscript|>"
	case id == t.translate:
		return "<|translate|>"
	case id == t.transcribe:
		return "<|transcribe|>"
	case id == t.solm:
		return "<|startoflm|>"
	case id == t.prev:
		return "<|startofprev|>"
	case id == t.nosp:
		return "<|nospeech|>"
	case id == t.not:
		return "<|notimestamps|>"
	case id >= t.beg:
		// Python's f"{i * 0.02:.2f}": same float64 product, same rounding.
		return "<|" + strconv.FormatFloat(float64(id-t.beg)*0.02, 'f', 2, 64) + "|>"
	}
	if code, ok := t.LanguageOf(id); ok {
		return "<|" + code + "|>"
	}
	return fmt.Sprintf("[_extra_token_%d]", id)
}
