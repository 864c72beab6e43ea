package tokenizer

import "testing"

func TestLanguages(t *testing.T) {
	all := Languages()
	if len(all) != 100 {
		t.Fatalf("%d languages, want 100", len(all))
	}
	// Spot checks of OpenAI's order: index i has token SOT+1+i.
	for i, want := range map[int]Language{
		0: {"en", "english"}, 1: {"zh", "chinese"}, 2: {"de", "german"}, 29: {"no", "norwegian"},
		80: {"ht", "haitian creole"}, 95: {"ha", "hausa"}, 96: {"ba", "bashkir"}, 97: {"jw", "javanese"}, 98: {"su", "sundanese"}, 99: {"yue", "cantonese"},
	} {
		if all[i] != want {
			t.Errorf("Languages()[%d] = %v, want %v", i, all[i], want)
		}
	}
	seen := map[string]bool{}
	for _, l := range all {
		if seen[l.Code] {
			t.Errorf("duplicate code %q", l.Code)
		}
		seen[l.Code] = true
	}

	tok := fixtureTokenizer(t, base)
	if n := len(tok.Languages()); n != 99 {
		t.Errorf("base knows %d languages, want 99", n)
	}
	for i, l := range tok.Languages() {
		id, ok := tok.LanguageToken(l.Code)
		if !ok || id != tok.SOT()+1+i {
			t.Errorf("LanguageToken(%q) = %d, %v; want %d", l.Code, id, ok, tok.SOT()+1+i)
		}
		if code, ok := tok.LanguageOf(id); !ok || code != l.Code {
			t.Errorf("LanguageOf(%d) = %q, %v", id, code, ok)
		}
	}
	if _, ok := tok.LanguageToken("yue"); ok {
		t.Error("base (99 languages) has a token for yue")
	}
	for _, id := range []int{tok.SOT(), tok.SOT() + 100, tok.Translate(), 11} {
		if code, ok := tok.LanguageOf(id); ok {
			t.Errorf("LanguageOf(%d) = %q, want none", id, code)
		}
	}
	if id, _ := tok.LanguageToken("ko"); id != 50264 {
		t.Errorf("<|ko|> = %d, want 50264", id)
	}
}

func TestLanguageCode(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "EN": "en", "English": "en", " german ": "de", "mandarin": "zh",
		"castilian": "es", "haitian creole": "ht", "haitian": "ht", "yue": "yue",
	} {
		if got, ok := LanguageCode(in); !ok || got != want {
			t.Errorf("LanguageCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := LanguageCode("klingon"); ok {
		t.Errorf("LanguageCode(klingon) = %q", got)
	}
}
