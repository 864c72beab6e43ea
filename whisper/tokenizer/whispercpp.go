package tokenizer

import (
	"slices"
	"sync"
)

// cppNonSpeech is whisper.cpp's non_speech_tokens (src/whisper.cpp, commit
// 233fe1fc9b48): the texts whose tokens whisper_process_logits suppresses
// with suppress_nst, each also with a leading space.
var cppNonSpeech = []string{
	`"`, "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", `\`, "]", "^",
	"_", "`", "{", "|", "}", "~", "「", "」", "『", "』", "<<", ">>", "<<<", ">>>", "--",
	"---", "-(", "-[", "('", `("`, "((", "))", "(((", ")))", "[[", "]]", "{{", "}}", "♪♪",
	"♪♪♪", "♩", "♪", "♫", "♬", "♭", "♮", "♯",
}

// cppSets holds the token sets whisper.cpp finds by text in its
// token_to_id map, where a text stored under several ids maps to the last.
type cppSets struct {
	once     sync.Once
	suppress []int
	blank    int
}

// WhisperCppNonSpeech is the set whisper.cpp's suppress_nst removes at every
// step (whisper_process_logits): the tokens whose text is one of its
// non_speech_tokens, with or without a leading space, and " -" and " '".
// Unlike OpenAI's NonSpeechTokens it matches whole token texts only, so a
// symbol that takes several tokens (most music notes) is not suppressed.
// Sorted; the slice is shared: do not modify it.
func (t *Tokenizer) WhisperCppNonSpeech() []int {
	t.cppInit()
	return t.cpp.suppress[:len(t.cpp.suppress):len(t.cpp.suppress)]
}

// WhisperCppBlank is the token whisper.cpp's suppress_blank forbids (with
// EOT) as the first sampled token: token_to_id.at(" "), or −1 when no token
// is a lone space.
func (t *Tokenizer) WhisperCppBlank() int {
	t.cppInit()
	return t.cpp.blank
}

func (t *Tokenizer) cppInit() {
	t.cpp.once.Do(func() {
		var out []int
		add := func(text string) {
			if id, ok := t.lastID(text); ok {
				out = append(out, id)
			}
		}
		for _, s := range cppNonSpeech {
			add(s)
			add(" " + s)
		}
		add(" -")
		add(" '")
		slices.Sort(out)
		t.cpp.suppress = slices.Compact(out)
		t.cpp.blank = -1
		if id, ok := t.lastID(" "); ok {
			t.cpp.blank = id
		}
	})
}

// lastID is the highest text token id whose bytes are text: what
// whisper.cpp's token_to_id holds, as loading the vocabulary overwrites
// earlier ids with later ones.
func (t *Tokenizer) lastID(text string) (int, bool) {
	id, ok := t.ranks[text]
	if !ok || t.dups == 0 {
		return id, ok
	}
	for i := len(t.tokens) - 1; i > id; i-- {
		if string(t.tokens[i]) == text {
			return i, true
		}
	}
	return id, true
}
