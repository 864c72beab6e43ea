package tokenizer

import "errors"

// ErrVocab marks a vocabulary New cannot use: n_vocab too small for Whisper's
// special-token layout, more stored tokens than n_vocab, or no tokens at all.
var ErrVocab = errors.New("tokenizer: unusable vocabulary")
