package align

import "strings"

// OpenAI's transcribe defaults for MergePunctuations.
const (
	DefaultPrepended = "\"'“¿([{-"
	DefaultAppended  = "\"'.。,，!！?？:：”)]}、"
)

// MergePunctuations attaches punctuation words to their neighbours as
// OpenAI's timing.merge_punctuations does, then drops the emptied words:
// going backwards, a word that starts with a space and whose stripped text
// is in prepended (a substring test, as Python's "in") is prepended to the
// following word; going forwards, a word whose text is in appended is
// appended to the previous word unless that one ends with a space. The
// receiving word keeps its own Start, End and Prob, as in OpenAI; its token
// range grows to cover the merged tokens.
func MergePunctuations(words []Word, prepended, appended string) []Word {
	empty := func(w *Word) { w.Text, w.First, w.Last = "", 0, 0 }
	tokens := func(w *Word) int { return w.Last - w.First }
	i, j := len(words)-2, len(words)-1
	for i >= 0 {
		prev, next := &words[i], &words[j]
		if strings.HasPrefix(prev.Text, " ") && strings.Contains(prepended, pyStrip(prev.Text)) {
			next.Text = prev.Text + next.Text
			if tokens(prev) > 0 {
				if tokens(next) == 0 {
					next.Last = prev.Last
				}
				next.First = prev.First
			}
			empty(prev)
		} else {
			j = i
		}
		i--
	}
	i, j = 0, 1
	for j < len(words) {
		prev, next := &words[i], &words[j]
		if !strings.HasSuffix(prev.Text, " ") && strings.Contains(appended, next.Text) {
			prev.Text += next.Text
			if tokens(next) > 0 {
				if tokens(prev) == 0 {
					prev.First = next.First
				}
				prev.Last = next.Last
			}
			empty(next)
		} else {
			i = j
		}
		j++
	}
	out := words[:0]
	for _, w := range words {
		if w.Last > w.First {
			out = append(out, w)
		}
	}
	return out
}
