package tokenizer

import (
	"slices"
	"testing"
)

func TestWhisperCppNonSpeech(t *testing.T) {
	texts := map[string]bool{" -": true, " '": true}
	for _, s := range cppNonSpeech {
		texts[s], texts[" "+s] = true, true
	}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tok := fixtureTokenizer(t, name)
			got := tok.WhisperCppNonSpeech()
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("not sorted and unique: %v", got)
			}
			// Exactly the tokens whose whole text is listed.
			var want []int
			for id, b := range tok.tokens {
				if texts[string(b)] {
					if last, _ := tok.lastID(string(b)); last == id {
						want = append(want, id)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("WhisperCppNonSpeech\n got %v\nwant %v", got, want)
			}
			// Whole-text matching is stricter than OpenAI's rule, which
			// also suppresses the first token of multi-token music notes
			// (tokens ggml vocabulary files store lossily, so on them the
			// two sets agree).
			openai := tok.NonSpeechTokens()
			for _, id := range got {
				if !slices.Contains(openai, id) {
					t.Errorf("token %d %q is whisper.cpp's but not OpenAI's", id, tok.TokenText(id))
				}
			}
			if b := tok.WhisperCppBlank(); b < 0 || string(tok.tokens[b]) != " " {
				t.Errorf("WhisperCppBlank = %d", b)
			}
		})
	}
}

// TestWhisperCppLastID: whisper.cpp's token_to_id keeps the last id of a
// text stored more than once.
func TestWhisperCppLastID(t *testing.T) {
	vocab := make([][]byte, 50256)
	for i := range vocab {
		vocab[i] = []byte{byte('a' + i%26), byte('a' + i/26%26), byte('a' + i/676%26), byte('0' + i/17576)}
	}
	vocab[300], vocab[700], vocab[900] = []byte("("), []byte("("), []byte(" ")
	tok, err := New(vocab, 51864)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.WhisperCppNonSpeech(); !slices.Equal(got, []int{700}) {
		t.Errorf("WhisperCppNonSpeech = %v, want [700]", got)
	}
	if got := tok.WhisperCppBlank(); got != 900 {
		t.Errorf("WhisperCppBlank = %d, want 900", got)
	}
}
