package tokenizer

import "fmt"

// Vocabulary sizes that fix Whisper's special-token layout (whisper.cpp
// whisper_vocab).
const (
	// EnglishVocab is n_vocab of the English-only models (*.en).
	EnglishVocab = 51864
	// MultilingualVocab is the smallest n_vocab of a multilingual model;
	// large-v3 has one more (the 100th language, Cantonese).
	MultilingualVocab = 51865
	// NumTimestamps is the number of timestamp tokens, <|0.00|>…<|30.00|>.
	NumTimestamps = 1501
)

// Tokenizer maps text to Whisper token ids and back, and knows the ids of
// the special tokens.
type Tokenizer struct {
	tokens [][]byte       // text token id → bytes (ids below EOT that the file stores)
	ranks  map[string]int // bytes → lowest id with those bytes (text tokens only)
	maxLen int            // longest text token, in bytes
	dups   int            // text tokens whose bytes repeat a lower id

	nVocab       int
	multilingual bool
	numLanguages int

	eot, sot, translate, transcribe, solm, prev, nosp, not, beg int

	blank     []int // Encode(" ")
	nonSpeech []int // NonSpeechTokens
	suppress  []int // SuppressTokens

	cpp cppSets // whisper.cpp's string-keyed sets, built on first use
}

// New builds a tokenizer from the tokens stored in a ggml file (vocab[id] is
// the token's raw bytes) and the model's n_vocab (special tokens included).
//
// Special ids follow whisper.cpp: English-only (n_vocab < 51865) eot 50256,
// sot 50257, translate 50357, transcribe 50358, solm 50359, prev 50360, nosp
// 50361, notimestamps 50362, <|0.00|> 50363. Multilingual models have
// num_languages = n_vocab − 51765 − 1 language tokens; eot and sot move up by
// one and the rest by num_languages − 98.
//
// Stored entries at or above EOT (tiny.en stores "<|endoftext|>" at 50256)
// are ignored, so text can never encode to a special token. Some ggml files
// (whisper.cpp's for-tests models among them) stored the non-UTF-8 byte
// tokens as U+FFFD; when ids 0–255 otherwise follow GPT-2's byte order, New
// restores those 256 single-byte tokens, so every byte stays encodable.
func New(vocab [][]byte, nVocab int) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("%w: no tokens stored", ErrVocab)
	}
	if nVocab < EnglishVocab {
		return nil, fmt.Errorf("%w: n_vocab %d is below %d", ErrVocab, nVocab, EnglishVocab)
	}
	if len(vocab) > nVocab {
		return nil, fmt.Errorf("%w: %d tokens stored but n_vocab is %d", ErrVocab, len(vocab), nVocab)
	}
	t := &Tokenizer{
		nVocab:       nVocab,
		multilingual: nVocab >= MultilingualVocab,
		eot:          50256, sot: 50257,
		translate: 50357, transcribe: 50358, solm: 50359, prev: 50360,
		nosp: 50361, not: 50362, beg: 50363,
	}
	t.numLanguages = nVocab - 51765
	if t.multilingual {
		t.numLanguages--
		t.eot++
		t.sot++
		dt := t.numLanguages - 98
		t.translate += dt
		t.transcribe += dt
		t.solm += dt
		t.prev += dt
		t.nosp += dt
		t.not += dt
		t.beg += dt
	}
	if t.numLanguages > len(languages) {
		return nil, fmt.Errorf("%w: n_vocab %d implies %d languages, Whisper knows %d",
			ErrVocab, nVocab, t.numLanguages, len(languages))
	}
	t.setTokens(vocab)
	t.blank = t.Encode(" ")
	t.nonSpeech = t.computeNonSpeech()
	t.suppress = t.computeSuppress()
	return t, nil
}

// setTokens copies the stored text tokens (ids below EOT) into one buffer,
// repairs lossy byte tokens and builds the encoding map.
func (t *Tokenizer) setTokens(vocab [][]byte) {
	n := min(len(vocab), t.eot)
	size := 0
	for _, v := range vocab[:n] {
		size += len(v)
	}
	buf := make([]byte, 0, size)
	t.tokens = make([][]byte, n)
	for i, v := range vocab[:n] {
		off := len(buf)
		buf = append(buf, v...)
		t.tokens[i] = buf[off:len(buf):len(buf)]
	}
	repairByteTokens(t.tokens)
	t.ranks = make(map[string]int, n)
	for id, b := range t.tokens {
		if len(b) == 0 {
			continue
		}
		if _, dup := t.ranks[string(b)]; dup {
			t.dups++
			continue
		}
		t.ranks[string(b)] = id
		t.maxLen = max(t.maxLen, len(b))
	}
}

// NVocab is the model's vocabulary size, special tokens included: the length
// of a logits row.
func (t *Tokenizer) NVocab() int { return t.nVocab }

// Multilingual reports whether the model is multilingual (n_vocab ≥ 51865).
func (t *Tokenizer) Multilingual() bool { return t.multilingual }

// NumLanguages is the number of language tokens, whisper.cpp's
// num_languages(): 99 for most models, 100 for large-v3. English-only models
// have the 99 token slots too, though they were never trained on them.
func (t *Tokenizer) NumLanguages() int { return t.numLanguages }

// AmbiguousTokens counts stored text tokens whose bytes repeat those of a
// lower id. A faithful vocabulary has none; a nonzero count means the file
// stored some tokens lossily (as U+FFFD), so decoding them cannot reproduce
// the model's exact bytes.
func (t *Tokenizer) AmbiguousTokens() int { return t.dups }

// EOT is <|endoftext|>.
func (t *Tokenizer) EOT() int { return t.eot }

// SOT is <|startoftranscript|>.
func (t *Tokenizer) SOT() int { return t.sot }

// Translate is <|translate|>.
func (t *Tokenizer) Translate() int { return t.translate }

// Transcribe is <|transcribe|>.
func (t *Tokenizer) Transcribe() int { return t.transcribe }

// SOLM is <|startoflm|> (tinydiarize models use it as the speaker-turn token).
func (t *Tokenizer) SOLM() int { return t.solm }

// Prev is <|startofprev|>, which opens the previous-text prompt.
func (t *Tokenizer) Prev() int { return t.prev }

// NoSpeech is <|nospeech|> (older releases: <|nocaptions|>); its probability
// right after SOT is the no-speech probability.
func (t *Tokenizer) NoSpeech() int { return t.nosp }

// NoTimestamps is <|notimestamps|>.
func (t *Tokenizer) NoTimestamps() int { return t.not }

// TimestampBegin is <|0.00|>, the first timestamp token.
func (t *Tokenizer) TimestampBegin() int { return t.beg }
