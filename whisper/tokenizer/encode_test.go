package tokenizer

import (
	"slices"
	"testing"
)

var roundTrip = []string{
	"",
	" And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
	"Hello, world! How's it going? I'm fine; they're here, we've won, you'll see, he'd know.",
	"Numbers: 3.14159, 1,000,000 and 2024-06-01 at 12:30pm (approx. 42%).",
	"  leading and trailing spaces  ",
	"tabs\tand\nnew\n\nlines\r\n  indented",
	"Größe, Straße, naïve café, Ærøskøbing",
	"日本語のテキストです。中文也可以。한국어도 됩니다.",
	"Emoji: 😀🎉👍🏽 and ♪♪ music ♪",
	"Symbols: <<quote>> [[brackets]] {{braces}} -- --- ~~ @#$%^&*",
	"Cyrillic Привет, Greek Γειά σου, Arabic مرحبا, Hebrew שלום, Hindi नमस्ते",
	"<|endoftext|> is just text here",
	"invalid utf-8: \xff\xfe\xc3",
	"'s 't 're 've 'm 'll 'd 'S 'RE",
}

func TestRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tok := fixtureTokenizer(t, name)
			for _, s := range roundTrip {
				for _, enc := range []struct {
					name string
					fn   func(string) []int
				}{{"Encode", tok.Encode}, {"EncodeBPE", tok.EncodeBPE}} {
					ids := enc.fn(s)
					if got := tok.Decode(ids); got != s {
						t.Errorf("%s: Decode(%s(%q)) = %q (ids %v)", name, enc.name, s, got, ids)
					}
					for _, id := range ids {
						if id < 0 || id >= tok.EOT() {
							t.Errorf("%s(%q) produced non-text token %d", enc.name, s, id)
						}
					}
				}
			}
		})
	}
}

func TestEncodeKnownIDs(t *testing.T) {
	tok := fixtureTokenizer(t, tinyEn)
	want := []int{843, 523, 616, 5891, 3399, 11}
	for _, enc := range []func(string) []int{tok.Encode, tok.EncodeBPE} {
		if got := enc(" And so my fellow Americans,"); !slices.Equal(got, want) {
			t.Errorf("encode(%q) = %v, want %v", " And so my fellow Americans,", got, want)
		}
	}
	if got := tok.Encode(" "); !slices.Equal(got, []int{220}) {
		t.Errorf(`Encode(" ") = %v, want [220]`, got)
	}
	if got := tok.BlankTokens(); !slices.Equal(got, []int{220}) {
		t.Errorf("BlankTokens = %v, want [220]", got)
	}
	// "<|endoftext|>" is stored as token 50256 in tiny.en but must not encode to EOT.
	if got := tok.Encode("<|endoftext|>"); slices.Contains(got, tok.EOT()) {
		t.Errorf("Encode(<|endoftext|>) = %v contains EOT", got)
	}
	if got := tok.Decode([]int{50257, 50362, 843, 523, 616, 5891, 3399, 11, 50363, 50256}); got != " And so my fellow Americans," {
		t.Errorf("Decode skips specials: got %q", got)
	}
}

// TestEncodeBPEvsGreedy pins a case where whisper.cpp's greedy longest match
// differs from byte-pair merging: BPE builds the merge order from ranks, so
// it can split where the longest prefix would not.
func TestEncodeBPEvsGreedy(t *testing.T) {
	// Synthetic vocabulary: bytes, then "ab" (rank 256), "bc" (257), "abc"
	// absent, "a"+"bc"… Greedy on "abc" takes "ab" then "c"; BPE merges the
	// lower-ranked pair first — make that "bc".
	order := byteTokenOrder()
	v := make([][]byte, 0, 260)
	for _, b := range order {
		v = append(v, []byte{b})
	}
	v = append(v, []byte("bc"), []byte("ab")) // "bc" 256 outranks "ab" 257
	tok, err := New(v, EnglishVocab)
	if err != nil {
		t.Fatal(err)
	}
	id := func(b byte) int { return slices.Index(order[:], b) }
	if got, want := tok.Encode("abc"), []int{257, id('c')}; !slices.Equal(got, want) {
		t.Errorf("greedy Encode(abc) = %v, want %v", got, want)
	}
	if got, want := tok.EncodeBPE("abc"), []int{id('a'), 256}; !slices.Equal(got, want) {
		t.Errorf("EncodeBPE(abc) = %v, want %v", got, want)
	}
}

func TestByteRepair(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tok := fixtureTokenizer(t, name)
			// The fixtures store the non-UTF-8 byte tokens as U+FFFD;
			// New restores ids 94 (0xA1) … and 255 (0xAD).
			for id, b := range map[int]byte{0: '!', 93: '~', 94: 0xA1, 187: 0xFF, 188: 0x00, 220: ' ', 221: 0x7F, 222: 0x80, 255: 0xAD} {
				if got := tok.DecodeBytes([]int{id}); len(got) != 1 || got[0] != b {
					t.Errorf("token %d = %x, want %02x", id, got, b)
				}
			}
			if tok.AmbiguousTokens() == 0 {
				t.Error("fixture vocabularies are lossy, AmbiguousTokens = 0")
			}
		})
	}
	if tok, err := New(syntheticVocab(), EnglishVocab); err != nil || tok.AmbiguousTokens() != 0 {
		t.Errorf("synthetic vocabulary: err %v, ambiguous %d", err, tok.AmbiguousTokens())
	}
	// A vocabulary without GPT-2's byte layout is left alone.
	v := syntheticVocab()
	v[0] = []byte("x")
	v[100] = []byte("\uFFFD")
	tok, err := New(v, EnglishVocab)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.TokenText(100); got != "\uFFFD" {
		t.Errorf("non-GPT-2 vocabulary was repaired: token 100 = %q", got)
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello, world!", []string{"Hello", ",", " world", "!"}},
		{"I'm here, don't", []string{"I", "'m", " here", ",", " don", "'t"}},
		{"they're we've you'll he'd it's", []string{"they", "'re", " we", "'ve", " you", "'ll", " he", "'d", " it", "'s"}},
		{"'RE 'x", []string{"'", "RE", " '", "x"}},
		{"a  b", []string{"a", " ", " b"}},
		{"a \n\nb", []string{"a", " \n", "\n", "b"}},
		{"x\t\ty", []string{"x", "\t", "\t", "y"}},
		{"end  ", []string{"end", "  "}},
		{"  start", []string{" ", " start"}},
		{"Größe 日本語 3.14 😀!", []string{"Größe", " 日本語", " 3", ".", "14", " 😀!"}},
		{"1234567 abc123", []string{"1234567", " abc", "123"}},
		{"?'s", []string{"?'", "s"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"\xffab", []string{"\xff", "ab"}},
	} {
		var got []string
		splitWords(tc.in, func(p string) bool { got = append(got, p); return true })
		if !slices.Equal(got, tc.want) {
			t.Errorf("split(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
