package tokenizer

import (
	"errors"
	"testing"
)

func TestSpecialTokens(t *testing.T) {
	type ids struct {
		eot, sot, translate, transcribe, solm, prev, nosp, not, beg, en, nLang int
		multi                                                                  bool
	}
	for _, tc := range []struct {
		name string
		want ids
	}{
		{tinyEn, ids{50256, 50257, 50357, 50358, 50359, 50360, 50361, 50362, 50363, 50258, 99, false}},
		{base, ids{50257, 50258, 50358, 50359, 50360, 50361, 50362, 50363, 50364, 50259, 99, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := fixtureTokenizer(t, tc.name)
			en, ok := tok.LanguageToken("en")
			if !ok {
				t.Fatal(`LanguageToken("en") not found`)
			}
			got := ids{tok.EOT(), tok.SOT(), tok.Translate(), tok.Transcribe(), tok.SOLM(), tok.Prev(),
				tok.NoSpeech(), tok.NoTimestamps(), tok.TimestampBegin(), en, tok.NumLanguages(), tok.Multilingual()}
			if got != tc.want {
				t.Errorf("special ids\n got %+v\nwant %+v", got, tc.want)
			}
			if n := tok.TimestampBegin() + NumTimestamps; n != tok.NVocab() {
				t.Errorf("TimestampBegin+1501 = %d, n_vocab %d", n, tok.NVocab())
			}
		})
	}
}

// TestLayoutLargeV3 checks the 100-language layout (n_vocab 51866) against
// the ids of large-v3's tokenizer.
func TestLayoutLargeV3(t *testing.T) {
	tok, err := New(syntheticVocab(), 51866)
	if err != nil {
		t.Fatal(err)
	}
	yue, ok := tok.LanguageToken("yue")
	got := []int{tok.EOT(), tok.SOT(), yue, tok.Translate(), tok.Transcribe(), tok.SOLM(), tok.Prev(),
		tok.NoSpeech(), tok.NoTimestamps(), tok.TimestampBegin(), tok.NumLanguages()}
	want := []int{50257, 50258, 50358, 50359, 50360, 50361, 50362, 50363, 50364, 50365, 100}
	if !ok || !equalInts(got, want) {
		t.Errorf("large-v3 layout: got %v (yue ok %v), want %v", got, ok, want)
	}
}

func TestNewErrors(t *testing.T) {
	v := syntheticVocab()
	for _, tc := range []struct {
		name   string
		vocab  [][]byte
		nVocab int
	}{
		{"empty", nil, EnglishVocab},
		{"small n_vocab", v, 50000},
		{"too many tokens", make([][]byte, EnglishVocab+1), EnglishVocab},
		{"too many languages", v, MultilingualVocab + 5},
	} {
		if _, err := New(tc.vocab, tc.nVocab); !errors.Is(err, ErrVocab) {
			t.Errorf("%s: err = %v, want ErrVocab", tc.name, err)
		}
	}
}

func TestTokenText(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tok := fixtureTokenizer(t, name)
			de, _ := tok.LanguageToken("de")
			for id, want := range map[int]string{
				tok.EOT():                      "<|endoftext|>",
				tok.SOT():                      "<|startoftranscript|>",
				tok.SOT() + 1:                  "<|en|>",
				de:                             "<|de|>",
				tok.Translate():                "<|translate|>",
				tok.Transcribe():               "<|transcribe|>",
				tok.SOLM():                     "<|startoflm|>",
				tok.Prev():                     "<|startofprev|>",
				tok.NoSpeech():                 "<|nospeech|>",
				tok.NoTimestamps():             "<|notimestamps|>",
				tok.TimestampBegin():           "<|0.00|>",
				tok.TimestampBegin() + 54:      "<|1.08|>",
				tok.TimestampBegin() + 35:      "<|0.70|>",
				tok.NVocab() - 1:               "<|30.00|>",
				tok.NVocab():                   "",
				-1:                             "",
				11:                             ",",
				tok.SOT() + tok.NumLanguages(): "<|" + Languages()[tok.NumLanguages()-1].Code + "|>",
			} {
				if got := tok.TokenText(id); got != want {
					t.Errorf("TokenText(%d) = %q, want %q", id, got, want)
				}
			}
		})
	}
}

func TestTimestamps(t *testing.T) {
	tok := fixtureTokenizer(t, base)
	beg := tok.TimestampBegin()
	for _, tc := range []struct {
		id   int
		ts   bool
		secs float64
	}{
		{beg - 1, false, 0}, {beg, true, 0}, {beg + 54, true, 1.08}, {beg + 1500, true, 30}, {beg + 1501, false, 0}, {tok.EOT(), false, 0},
	} {
		if got := tok.IsTimestamp(tc.id); got != tc.ts {
			t.Errorf("IsTimestamp(%d) = %v", tc.id, got)
		}
		if got := tok.TimestampSeconds(tc.id); got < tc.secs-1e-9 || got > tc.secs+1e-9 {
			t.Errorf("TimestampSeconds(%d) = %v, want %v", tc.id, got, tc.secs)
		}
	}
}

func TestSOTSequence(t *testing.T) {
	en := fixtureTokenizer(t, tinyEn)
	ml := fixtureTokenizer(t, base)
	de, _ := ml.LanguageToken("de")
	for _, tc := range []struct {
		tok        *Tokenizer
		lang, task string
		timestamps bool
		want       []int
	}{
		{en, "en", "transcribe", true, []int{50257}},
		{en, "de", "translate", false, []int{50257, 50362}},
		{ml, "en", "transcribe", true, []int{50258, 50259, 50359}},
		{ml, "de", "translate", false, []int{50258, de, 50358, 50363}},
		{ml, "", "", true, []int{50258, 50359}},
		{ml, "xx", "transcribe", true, []int{50258, 50359}},
	} {
		if got := tc.tok.SOTSequence(tc.lang, tc.task, tc.timestamps); !equalInts(got, tc.want) {
			t.Errorf("SOTSequence(%q, %q, %v) multilingual=%v = %v, want %v",
				tc.lang, tc.task, tc.timestamps, tc.tok.Multilingual(), got, tc.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// syntheticVocab is GPT-2's 256 byte tokens and a few words.
func syntheticVocab() [][]byte {
	order := byteTokenOrder()
	v := make([][]byte, 0, 300)
	for _, b := range order {
		v = append(v, []byte{b})
	}
	for _, w := range []string{" t", " a", "he", "in", "re", "on", " the", " hello", " world", "hello"} {
		v = append(v, []byte(w))
	}
	return v
}
