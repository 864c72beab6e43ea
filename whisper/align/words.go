package align

import (
	"fmt"
	"strings"
)

// Token is one text token of a window with what word building needs.
type Token struct {
	// ID is the token id (text tokens only: below end-of-text).
	ID int
	// Text is the token's raw bytes (a token may hold part of a UTF-8
	// character).
	Text []byte
	// Prob is the token's probability. OpenAI uses, from the forced
	// alignment pass, the softmax over the text vocabulary (ids < eot) at
	// the position that predicts the token.
	Prob float32
	// Start and End are the token's times in centiseconds (Alignment.Spans).
	Start, End int64
}

// Word is a word built from consecutive tokens.
type Word struct {
	// Text is the decoded text, with its leading space when it has one.
	Text string
	// First and Last index the word's tokens in the slice given to Words
	// (Last exclusive). After MergePunctuations a word's tokens are still
	// consecutive.
	First, Last int
	// Start and End are centiseconds: the first token's Start and the last
	// token's End, as OpenAI's find_alignment takes them.
	Start, End int64
	// Prob is the mean probability of the word's tokens (OpenAI:
	// np.mean(text_token_probs[i:j])).
	Prob float32
}

// unicodeLanguages are the languages OpenAI splits on character boundaries
// rather than spaces (Tokenizer.split_to_word_tokens).
var unicodeLanguages = map[string]bool{"zh": true, "ja": true, "th": true, "lo": true, "my": true, "yue": true}

// punctuation is Python's string.punctuation.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// Words splits tokens into words as OpenAI's Tokenizer.split_to_word_tokens
// does for lang — at Unicode character boundaries for zh, ja, th, lo, my and
// yue, otherwise additionally merging subwords until one starts with a
// space or is punctuation — and gives each its time span and probability.
// Trailing tokens that end inside a UTF-8 character belong to no word, as
// in OpenAI (whose caller appends eot, which closes the last word).
func Words(tokens []Token, lang string) ([]Word, error) {
	if len(tokens) > MaxTokens*8 {
		return nil, fmt.Errorf("%w: %d tokens", ErrShape, len(tokens))
	}
	sub := splitOnUnicode(tokens)
	if !unicodeLanguages[strings.ToLower(lang)] {
		sub = mergeOnSpaces(sub)
	}
	for i := range sub {
		w := &sub[i]
		w.Start, w.End = tokens[w.First].Start, tokens[w.Last-1].End
		var p float64
		for _, t := range tokens[w.First:w.Last] {
			p += float64(t.Prob)
		}
		w.Prob = float32(p / float64(w.Last-w.First))
	}
	return sub, nil
}

// splitOnUnicode is OpenAI's split_tokens_on_unicode: a word ends after a
// token when the bytes so far decode without a replacement character, or
// when the first replacement character is one the whole text has too.
func splitOnUnicode(tokens []Token) []Word {
	var all []byte
	for _, t := range tokens {
		all = append(all, t.Text...)
	}
	full := pyDecode(nil, all)
	var (
		words  []Word
		cur    []byte
		dec    []rune
		offset int
		first  int
	)
	for i, t := range tokens {
		cur = append(cur, t.Text...)
		dec = pyDecode(dec[:0], cur)
		bad := -1
		for k, r := range dec {
			if r == '\uFFFD' {
				bad = k
				break
			}
		}
		if bad < 0 || (offset+bad < len(full) && full[offset+bad] == '\uFFFD') {
			words = append(words, Word{Text: string(dec), First: first, Last: i + 1})
			offset += len(dec)
			first = i + 1
			cur = cur[:0]
		}
	}
	return words
}

// mergeOnSpaces is the second half of OpenAI's split_tokens_on_spaces: a
// subword starts a new word when it begins with a space, when its stripped
// text is a substring of string.punctuation (the empty string included,
// as Python's "in" has it), or when it is the first.
func mergeOnSpaces(sub []Word) []Word {
	out := sub[:0]
	for _, s := range sub {
		if len(out) == 0 || strings.HasPrefix(s.Text, " ") || strings.Contains(punctuation, pyStrip(s.Text)) {
			out = append(out, s)
			continue
		}
		last := &out[len(out)-1]
		last.Text += s.Text
		last.Last = s.Last
	}
	return out
}
