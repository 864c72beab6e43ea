package tokenizer

// SOTSequence is the start of a decoder prompt, OpenAI's sot_sequence: for
// multilingual models [<|startoftranscript|>, <|lang|>, <|task|>], for
// English-only models [<|startoftranscript|>] (they have no language or task
// tokens in use), followed by <|notimestamps|> when timestamps is false.
//
// task "translate" selects <|translate|>; anything else <|transcribe|>. A
// language code the model does not know (or "") leaves the language token
// out, as OpenAI does for language None; use LanguageToken to validate
// first.
func (t *Tokenizer) SOTSequence(language, task string, timestamps bool) []int {
	seq := make([]int, 0, 4)
	seq = append(seq, t.sot)
	if t.multilingual {
		if id, ok := t.LanguageToken(language); ok {
			seq = append(seq, id)
		}
		if task == "translate" {
			seq = append(seq, t.translate)
		} else {
			seq = append(seq, t.transcribe)
		}
	}
	if !timestamps {
		seq = append(seq, t.not)
	}
	return seq
}
