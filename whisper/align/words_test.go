package align

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func toks(parts ...string) []Token {
	out := make([]Token, len(parts))
	for i, p := range parts {
		out[i] = Token{ID: i, Text: []byte(p), Prob: float32(i + 1), Start: int64(10 * i), End: int64(10*i + 10)}
	}
	return out
}

func texts(ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// OpenAI tests/test_tokenizer.py test_split_on_unicode: tokens
// [8404, 871, 287, 6, 246, 526, 3210, 20378] of the multilingual vocabulary
// (bytes as whisper.cpp's for-tests-ggml-base.bin stores them: 246 is the
// three bytes of U+FFFD, 526 is "é").
func TestSplitOnUnicodeOpenAICase(t *testing.T) {
	ts := toks(" elle", " est", " l", "'", "\xef\xbf\xbd", "\xc3\xa9", "rit", "oire")
	ws := splitOnUnicode(ts)
	want := []string{" elle", " est", " l", "'", "\ufffd", "é", "rit", "oire"}
	if got := texts(ws); !slices.Equal(got, want) {
		t.Fatalf("words %q, want %q", got, want)
	}
	for i, w := range ws {
		if w.First != i || w.Last != i+1 {
			t.Fatalf("word %d covers tokens [%d,%d)", i, w.First, w.Last)
		}
	}
	// split on spaces: "'" is punctuation and starts a word; U+FFFD, "é",
	// "rit" and "oire" have no space and are not punctuation, so they join it.
	got, _ := Words(ts, "fr")
	if want := []string{" elle", " est", " l", "'\ufffdéritoire"}; !slices.Equal(texts(got), want) {
		t.Fatalf("Words fr = %q, want %q", texts(got), want)
	}
}

// A character split across tokens stays in one word; a genuinely invalid
// byte in the text ends a word on its own.
func TestSplitOnUnicodePartialCharacters(t *testing.T) {
	// "你" = e4 bd a0, "好" = e5 a5 bd
	ts := toks("\xe4", "\xbd\xa0\xe5", "\xa5\xbd", "\xff", "a")
	got, _ := Words(ts, "zh")
	// token 2 alone does not complete "好" (its lead byte is in token 1):
	// after token 1 the text so far is "你" + an incomplete e5, whose U+FFFD
	// is not in the full text, so the word goes on; token 2 completes it.
	want := []string{"你好", "\ufffd", "a"}
	if !slices.Equal(texts(got), want) {
		t.Fatalf("zh words %q, want %q", texts(got), want)
	}
	if got[0].First != 0 || got[0].Last != 3 || got[0].Start != 0 || got[0].End != 30 {
		t.Fatalf("first word %+v", got[0])
	}
	if got[0].Prob != 2 { // mean of 1, 2, 3
		t.Fatalf("probability %v, want 2", got[0].Prob)
	}
}

func TestPyDecodeMaximalSubparts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"\xe4\xbd", "\ufffd"},                 // truncated 3-byte: one replacement (Go: two)
		{"\xf0\x9f\x98", "\ufffd"},             // truncated 4-byte
		{"\xe0\x80\xaf", "\ufffd\ufffd\ufffd"}, // e0 needs a0..bf next
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"}, // surrogate
		{"a\xc3(", "a\ufffd("},
		{"\xff\xfe", "\ufffd\ufffd"},
	} {
		if got := string(pyDecode(nil, []byte(c.in))); got != c.want {
			t.Errorf("pyDecode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWordsOnSpaces(t *testing.T) {
	ts := toks(" And", " so", " my", " fel", "low", " Americans", ",", " ask")
	got, err := Words(ts, "en")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{" And", " so", " my", " fellow", " Americans", ",", " ask"}
	if !slices.Equal(texts(got), want) {
		t.Fatalf("words %q, want %q", texts(got), want)
	}
	fellow := got[3]
	if fellow.First != 3 || fellow.Last != 5 || fellow.Start != 30 || fellow.End != 50 || fellow.Prob != 4.5 {
		t.Fatalf("fellow = %+v", fellow)
	}
	// A whitespace-only subword strips to "", which Python finds "in"
	// string.punctuation: it starts a word.
	got, _ = Words(toks(" a", "b", "  ", "c"), "en")
	if want := []string{" ab", "  c"}; !slices.Equal(texts(got), want) {
		t.Fatalf("whitespace subword: %q, want %q", texts(got), want)
	}
}

// OpenAI's merge_punctuations with transcribe's defaults.
func TestMergePunctuations(t *testing.T) {
	ws := []Word{
		{Text: " \"", First: 0, Last: 1, Start: 0, End: 10},
		{Text: " Hello", First: 1, Last: 2, Start: 10, End: 20},
		{Text: ",", First: 2, Last: 3, Start: 20, End: 30},
		{Text: " world", First: 3, Last: 4, Start: 30, End: 40},
		{Text: ".", First: 4, Last: 5, Start: 40, End: 50},
		{Text: "\"", First: 5, Last: 6, Start: 50, End: 60},
	}
	got := MergePunctuations(ws, DefaultPrepended, DefaultAppended)
	want := []Word{
		{Text: " \" Hello,", First: 0, Last: 3, Start: 10, End: 20},
		{Text: " world.\"", First: 3, Last: 6, Start: 30, End: 40},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("merged\n %+v\nwant\n %+v", got, want)
	}
	// A word ending with a space takes nothing.
	got = MergePunctuations([]Word{{Text: " a ", First: 0, Last: 1}, {Text: ".", First: 1, Last: 2}}, DefaultPrepended, DefaultAppended)
	if len(got) != 2 {
		t.Fatalf("merged across a trailing space: %+v", got)
	}
}

func FuzzWords(f *testing.F) {
	f.Add([]byte(" elle| est| l|'|\xef\xbf\xbd|\xc3\xa9|rit|oire"), "fr")
	f.Add([]byte("\xe4|\xbd\xa0\xe5|\xa5\xbd|\xff|a"), "zh")
	f.Add([]byte(" \"|Hello|,| world|.|\""), "en")
	f.Fuzz(func(t *testing.T, b []byte, lang string) {
		parts := strings.Split(string(b), "|")
		if len(parts) > 64 {
			return
		}
		ts := toks(parts...)
		ws, err := Words(ts, lang)
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		for _, tk := range ts {
			all = append(all, tk.Text...)
		}
		next := 0
		var joined strings.Builder
		for _, w := range ws {
			if w.First != next || w.Last <= w.First {
				t.Fatalf("word %+v does not follow token %d", w, next)
			}
			next = w.Last
			joined.WriteString(w.Text)
		}
		if next != len(ts) && !(len(ws) == 0 || next == len(ts)) {
			// trailing tokens of an unfinished character are dropped, as OpenAI does
			if utf8.Valid(all) {
				t.Fatalf("valid text lost tokens %d..%d", next, len(ts))
			}
		}
		if utf8.Valid(all) && joined.String() != string(all) {
			t.Fatalf("words %q do not rebuild %q", joined.String(), all)
		}
		m := MergePunctuations(ws, DefaultPrepended, DefaultAppended)
		var mj strings.Builder
		for _, w := range m {
			mj.WriteString(w.Text)
		}
		if mj.String() != joined.String() {
			t.Fatalf("merge changed the text: %q → %q", joined.String(), mj.String())
		}
	})
}
