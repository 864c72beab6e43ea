package tokenizer

import "strings"

// Language is one of Whisper's languages.
type Language struct {
	Code string // ISO 639-1 style code as Whisper spells it: "en", "haw", "yue"
	Name string // English name, lower case as in OpenAI's LANGUAGES: "english"
}

// languages is OpenAI's LANGUAGES in token order: language i has token
// SOT+1+i. large-v3 added the 100th, Cantonese.
var languages = [...]Language{
	{"en", "english"},
	{"zh", "chinese"},
	{"de", "german"},
	{"es", "spanish"},
	{"ru", "russian"},
	{"ko", "korean"},
	{"fr", "french"},
	{"ja", "japanese"},
	{"pt", "portuguese"},
	{"tr", "turkish"},
	{"pl", "polish"},
	{"ca", "catalan"},
	{"nl", "dutch"},
	{"ar", "arabic"},
	{"sv", "swedish"},
	{"it", "italian"},
	{"id", "indonesian"},
	{"hi", "hindi"},
	{"fi", "finnish"},
	{"vi", "vietnamese"},
	{"he", "hebrew"},
	{"uk", "ukrainian"},
	{"el", "greek"},
	{"ms", "malay"},
	{"cs", "czech"},
	{"ro", "romanian"},
	{"da", "danish"},
	{"hu", "hungarian"},
	{"ta", "tamil"},
	{"no", "norwegian"},
	{"th", "thai"},
	{"ur", "urdu"},
	{"hr", "croatian"},
	{"bg", "bulgarian"},
	{"lt", "lithuanian"},
	{"la", "latin"},
	{"mi", "maori"},
	{"ml", "malayalam"},
	{"cy", "welsh"},
	{"sk", "slovak"},
	{"te", "telugu"},
	{"fa", "persian"},
	{"lv", "latvian"},
	{"bn", "bengali"},
	{"sr", "serbian"},
	{"az", "azerbaijani"},
	{"sl", "slovenian"},
	{"kn", "kannada"},
	{"et", "estonian"},
	{"mk", "macedonian"},
	{"br", "breton"},
	{"eu", "basque"},
	{"is", "icelandic"},
	{"hy", "armenian"},
	{"ne", "nepali"},
	{"mn", "mongolian"},
	{"bs", "bosnian"},
	{"kk", "kazakh"},
	{"sq", "albanian"},
	{"sw", "swahili"},
	{"gl", "galician"},
	{"mr", "marathi"},
	{"pa", "punjabi"},
	{"si", "sinhala"},
	{"km", "khmer"},
	{"sn", "shona"},
	{"yo", "yoruba"},
	{"so", "somali"},
	{"af", "afrikaans"},
	{"oc", "occitan"},
	{"ka", "georgian"},
	{"be", "belarusian"},
	{"tg", "tajik"},
	{"sd", "sindhi"},
	{"gu", "gujarati"},
	{"am", "amharic"},
	{"yi", "yiddish"},
	{"lo", "lao"},
	{"uz", "uzbek"},
	{"fo", "faroese"},
	{"ht", "haitian creole"},
	{"ps", "pashto"},
	{"tk", "turkmen"},
	{"nn", "nynorsk"},
	{"mt", "maltese"},
	{"sa", "sanskrit"},
	{"lb", "luxembourgish"},
	{"my", "myanmar"},
	{"bo", "tibetan"},
	{"tl", "tagalog"},
	{"mg", "malagasy"},
	{"as", "assamese"},
	{"tt", "tatar"},
	{"haw", "hawaiian"},
	{"ln", "lingala"},
	{"ha", "hausa"},
	{"ba", "bashkir"},
	{"jw", "javanese"},
	{"su", "sundanese"},
	{"yue", "cantonese"},
}

// languageAliases are OpenAI's TO_LANGUAGE_CODE extras beyond the names.
var languageAliases = map[string]string{
	"burmese":       "my",
	"valencian":     "ca",
	"flemish":       "nl",
	"haitian":       "ht",
	"letzeburgesch": "lb",
	"pushto":        "ps",
	"panjabi":       "pa",
	"moldavian":     "ro",
	"moldovan":      "ro",
	"sinhalese":     "si",
	"castilian":     "es",
	"mandarin":      "zh",
}

// Languages returns all of Whisper's languages in token order (100, the
// last, Cantonese, only in large-v3). A model knows the first NumLanguages.
func Languages() []Language {
	out := make([]Language, len(languages))
	copy(out, languages[:])
	return out
}

// LanguageCode normalises a language code, English name or one of OpenAI's
// aliases ("english", "Mandarin", "EN") to Whisper's code.
func LanguageCode(nameOrCode string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(nameOrCode))
	for _, l := range languages {
		if s == l.Code || s == l.Name {
			return l.Code, true
		}
	}
	code, ok := languageAliases[s]
	return code, ok
}

// Languages returns the languages this model has tokens for, in token order.
func (t *Tokenizer) Languages() []Language {
	out := make([]Language, t.numLanguages)
	copy(out, languages[:t.numLanguages])
	return out
}

// LanguageToken is the token <|code|> of a language code ("en", "de"); false
// when the model has no such language.
func (t *Tokenizer) LanguageToken(code string) (int, bool) {
	for i, l := range languages[:t.numLanguages] {
		if l.Code == code {
			return t.sot + 1 + i, true
		}
	}
	return 0, false
}

// LanguageOf is the code of a language token; false for other tokens.
func (t *Tokenizer) LanguageOf(id int) (string, bool) {
	i := id - t.sot - 1
	if i < 0 || i >= t.numLanguages {
		return "", false
	}
	return languages[i].Code, true
}
