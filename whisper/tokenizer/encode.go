package tokenizer

// Encode turns text into token ids the way whisper.cpp's tokenize does:
// GPT-2 pre-tokenisation (see splitWords), then for each piece greedy
// longest-prefix matching of its bytes against the vocabulary. Bytes no token
// covers are skipped, as whisper.cpp does; with a GPT-2 byte layout (every
// Whisper vocabulary, after New's repair) every byte has a token, so
// Decode(Encode(s)) == s for any valid UTF-8 s. Special tokens are never
// produced: "<|endoftext|>" in text encodes as ordinary text.
//
// For the exact ids OpenAI's tiktoken would produce, use EncodeBPE.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	splitWords(text, func(piece string) bool {
		for i := 0; i < len(piece); {
			j := min(len(piece), i+t.maxLen)
			for ; j > i; j-- {
				if id, ok := t.ranks[piece[i:j]]; ok {
					out = append(out, id)
					break
				}
			}
			if j == i {
				j = i + 1 // no token starts with this byte: skip it
			}
			i = j
		}
		return true
	})
	return out
}
