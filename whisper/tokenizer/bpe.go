package tokenizer

// EncodeBPE turns text into token ids as OpenAI's whisper does (tiktoken):
// GPT-2 pre-tokenisation, then byte-pair merging of each piece, where a
// token's merge rank is its id — true of both Whisper vocabularies, whose
// ids are tiktoken's ranks. Unlike Encode it yields the tokenisation the
// model saw in training; the two agree on most text (they differ where a
// greedy longest match is not the BPE result). Special tokens are never
// produced. Bytes no token covers are skipped.
func (t *Tokenizer) EncodeBPE(text string) []int {
	var out []int
	var bounds []int
	splitWords(text, func(piece string) {
		if id, ok := t.ranks[piece]; ok {
			out = append(out, id)
			return
		}
		bounds = bounds[:0]
		for i := 0; i <= len(piece); i++ {
			bounds = append(bounds, i)
		}
		// Repeatedly merge the adjacent pair whose joined bytes have the
		// lowest rank (the first such pair on ties), like tiktoken's
		// _byte_pair_merge.
		for len(bounds) > 2 {
			best, bestRank := -1, int(^uint(0)>>1)
			for i := 0; i+2 < len(bounds); i++ {
				if r, ok := t.ranks[piece[bounds[i]:bounds[i+2]]]; ok && r < bestRank {
					best, bestRank = i, r
				}
			}
			if best < 0 {
				break
			}
			bounds = append(bounds[:best+1], bounds[best+2:]...)
		}
		for i := 0; i+1 < len(bounds); i++ {
			seg := piece[bounds[i]:bounds[i+1]]
			if id, ok := t.ranks[seg]; ok {
				out = append(out, id)
				continue
			}
			for k := range len(seg) { // unmergeable leftovers: byte by byte
				if id, ok := t.ranks[seg[k:k+1]]; ok {
					out = append(out, id)
				}
			}
		}
	})
	return out
}
