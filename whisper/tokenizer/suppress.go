package tokenizer

import (
	"slices"
	"strings"
)

// nonSpeechSymbols are the symbols of OpenAI's Tokenizer.non_speech_tokens:
// speaker tags, sound annotations and music notes, but not ordinary
// punctuation.
var nonSpeechSymbols = append(
	strings.Split(`"#()*+/:;<=>@[\]^_`+"`"+`{|}~「」『』`, ""),
	strings.Fields(`<< >> <<< >>> -- --- -( -[ (' (" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪`)...,
)

// nonSpeechMisc are the U+2640–U+267F symbols suppressed by their first token
// even when they take several: their 3-byte UTF-8 forms share the first two
// bytes.
var nonSpeechMisc = strings.Split("♩♪♫♬♭♮♯", "")

// computeNonSpeech is OpenAI's non_speech_tokens, encoding with EncodeBPE as
// tiktoken does: the first token of " -" and " '", then each symbol with and
// without a leading space when it is a single token (misc symbols: their
// first token, provided it covers the symbol's first two bytes — always so
// in a faithful vocabulary). Sorted, without duplicates.
func (t *Tokenizer) computeNonSpeech() []int {
	var out []int
	for _, s := range []string{" -", " '"} {
		if toks := t.EncodeBPE(s); len(toks) > 0 {
			out = append(out, toks[0])
		}
	}
	for _, sym := range nonSpeechSymbols {
		for _, toks := range [][]int{t.EncodeBPE(sym), t.EncodeBPE(" " + sym)} {
			if len(toks) == 1 {
				out = append(out, toks[0])
			}
		}
	}
	for _, sym := range nonSpeechMisc {
		for lead, text := range []string{sym, " " + sym} {
			toks := t.EncodeBPE(text)
			if len(toks) == 0 {
				continue
			}
			// OpenAI relies on the first token covering (at least) the
			// symbol's first two UTF-8 bytes. In a lossy vocabulary that
			// lost those partial tokens it would be a bare byte or the
			// space token, and suppressing it would forbid ordinary text.
			if len(toks) == 1 || len(t.tokens[toks[0]]) >= lead+2 {
				out = append(out, toks[0])
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// computeSuppress is OpenAI's default suppress set (suppress_tokens "-1"):
// the non-speech tokens plus transcribe, translate, sot, prev, solm and
// nospeech, whose probability is read separately.
func (t *Tokenizer) computeSuppress() []int {
	out := append(slices.Clone(t.nonSpeech), t.transcribe, t.translate, t.sot, t.prev, t.solm, t.nosp)
	slices.Sort(out)
	return slices.Compact(out)
}

// NonSpeechTokens are the ids OpenAI's Tokenizer.non_speech_tokens lists:
// tokens for speaker tags and non-speech annotations such as "[", "(",
// "♪♪♪" and " -" at a word start, while ordinary punctuation stays allowed.
// Sorted; the slice is the caller's.
func (t *Tokenizer) NonSpeechTokens() []int { return slices.Clone(t.nonSpeech) }

// SuppressTokens is the set OpenAI's decoding suppresses at every step by
// default (suppress_tokens="-1", _get_suppress_tokens): NonSpeechTokens plus
// <|transcribe|>, <|translate|>, <|startoftranscript|>, <|startofprev|>,
// <|startoflm|> and <|nospeech|>. Sorted; the slice is the caller's.
func (t *Tokenizer) SuppressTokens() []int { return slices.Clone(t.suppress) }

// BlankTokens is Encode(" "), the tokens OpenAI's SuppressBlank forbids (with
// EOT) as the first sampled token. The slice is shared so the per-step
// sampling code allocates nothing: do not modify it.
func (t *Tokenizer) BlankTokens() []int { return t.blank[:len(t.blank):len(t.blank)] }
