package tokenizer

// TimestampStep is the time between consecutive timestamp tokens, in
// seconds: 30 s over 1500 encoder frames.
const TimestampStep = 0.02

// IsTimestamp reports whether id is a timestamp token, <|0.00|>…<|30.00|>.
func (t *Tokenizer) IsTimestamp(id int) bool {
	return id >= t.beg && id < t.nVocab
}

// TimestampSeconds is the time a timestamp token stands for, relative to
// the start of its 30 s window (0.02 s steps); 0 for other tokens.
func (t *Tokenizer) TimestampSeconds(id int) float64 {
	if !t.IsTimestamp(id) {
		return 0
	}
	return float64(id-t.beg) * TimestampStep
}
