package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// splitWords cuts text into the pieces of GPT-2's pre-tokenisation pattern,
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// applied leftmost-first as tiktoken (and OpenAI's whisper) does, and calls
// fn with each piece in order. Go's regexp has no lookahead, so the
// alternatives are matched by hand. Invalid UTF-8 bytes count as symbols.
// It stops early when fn returns false.
func splitWords(text string, fn func(piece string) bool) {
	for i := 0; i < len(text); {
		n := matchAt(text, i)
		if !fn(text[i : i+n]) {
			return
		}
		i += n
	}
}

// matchAt is the length of the pattern's match at text[i:] (always ≥ 1).
func matchAt(text string, i int) int {
	s := text[i:]
	r, w := utf8.DecodeRuneInString(s)

	// 's|'t|'re|'ve|'m|'ll|'d
	if r == '\'' && len(s) >= 2 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v', 'l':
			if len(s) >= 3 && (s[1] == 'r' && s[2] == 'e' || s[1] == 'v' && s[2] == 'e' || s[1] == 'l' && s[2] == 'l') {
				return 3
			}
		}
	}

	//  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
	for _, class := range [...]func(rune) bool{unicode.IsLetter, unicode.IsNumber, isSymbol} {
		j := 0
		if r == ' ' {
			j = 1
		}
		if n := runLen(s[j:], class); n > 0 {
			return j + n
		}
	}

	// \s+(?!\S) | \s+
	if unicode.IsSpace(r) {
		end, lastStart := w, 0
		for end < len(s) {
			r2, w2 := utf8.DecodeRuneInString(s[end:])
			if !unicode.IsSpace(r2) {
				break
			}
			lastStart = end
			end += w2
		}
		if end == len(s) || lastStart == 0 {
			return end // the run ends the text, or is one rune before non-space
		}
		return lastStart // leave the last space to prefix the next word
	}
	return w // unreachable: every rune is a letter, number, symbol or space
}

// runLen is the byte length of the longest prefix of s whose runes all
// satisfy class.
func runLen(s string, class func(rune) bool) int {
	n := 0
	for n < len(s) {
		r, w := utf8.DecodeRuneInString(s[n:])
		if !class(r) {
			break
		}
		n += w
	}
	return n
}

// isSymbol is [^\s\p{L}\p{N}].
func isSymbol(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}
