package align

import "unicode/utf8"

// pyDecode decodes b as Python's bytes.decode("utf-8", errors="replace")
// does: every maximal subpart of an ill-formed sequence (Unicode's
// recommended practice, which Python follows) becomes one U+FFFD. Go's
// utf8.DecodeRune instead yields one U+FFFD per byte, which would shift the
// character offsets OpenAI's split_tokens_on_unicode compares.
func pyDecode(dst []rune, b []byte) []rune {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			dst = append(dst, r)
			b = b[size:]
			continue
		}
		dst = append(dst, utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return dst
}

// maximalSubpart returns how many bytes of the ill-formed start of b form
// one replacement: a valid lead byte followed by the continuation bytes
// that could still complete it (at least 1).
func maximalSubpart(b []byte) int {
	lead := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		need = 1
	case lead == 0xE0:
		need, lo = 2, 0xA0
	case lead >= 0xE1 && lead <= 0xEC, lead == 0xEE, lead == 0xEF:
		need = 2
	case lead == 0xED:
		need, hi = 2, 0x9F
	case lead == 0xF0:
		need, lo = 3, 0x90
	case lead >= 0xF1 && lead <= 0xF3:
		need = 3
	case lead == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		c := b[n]
		if k > 0 {
			lo, hi = 0x80, 0xBF
		}
		if c < lo || c > hi {
			break
		}
		n++
	}
	return n
}

// pyIsSpace is Python's str.isspace for the characters str.strip removes.
func pyIsSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0,
		0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// pyStrip is Python's str.strip() with no arguments.
func pyStrip(s string) string {
	start, end := 0, len(s)
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !pyIsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !pyIsSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}
