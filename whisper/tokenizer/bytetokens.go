package tokenizer

import "bytes"

// replacement is U+FFFD in UTF-8, what lossy converters wrote for tokens
// that were not valid UTF-8 on their own.
var replacement = []byte("\uFFFD")

// byteTokenOrder returns the byte of each of GPT-2's 256 single-byte tokens
// (ids 0–255): first the printable bytes '!'…'~', '¡'…'¬', '®'…'ÿ', then the
// rest in increasing order, as GPT-2's bytes_to_unicode lists them. Both
// Whisper vocabularies (gpt2 and multilingual) start with these 256 tokens.
func byteTokenOrder() [256]byte {
	var order [256]byte
	var seen [256]bool
	n := 0
	add := func(lo, hi int) {
		for b := lo; b <= hi; b++ {
			order[n] = byte(b)
			seen[b] = true
			n++
		}
	}
	add('!', '~')
	add(0xA1, 0xAC)
	add(0xAE, 0xFF)
	for b := range 256 {
		if !seen[b] {
			order[n] = byte(b)
			n++
		}
	}
	return order
}

// repairByteTokens restores single-byte tokens stored as U+FFFD, but only
// when every other token among ids 0–255 is exactly the byte GPT-2's order
// puts there — proof the vocabulary has GPT-2's layout.
func repairByteTokens(tokens [][]byte) {
	if len(tokens) < 256 {
		return
	}
	order := byteTokenOrder()
	lossy := false
	for id, b := range tokens[:256] {
		switch {
		case len(b) == 1 && b[0] == order[id]:
		case bytes.Equal(b, replacement):
			lossy = true
		default:
			return // not GPT-2's byte layout: leave it alone
		}
	}
	if !lossy {
		return
	}
	for id, b := range tokens[:256] {
		if len(b) != 1 {
			tokens[id] = []byte{order[id]}
		}
	}
}
