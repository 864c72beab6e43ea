package sampling

import (
	"math"

	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
)

// SuppressBlank is OpenAI's SuppressBlank filter: at the first sampled
// position of a window (call it only there) it forbids the blank token(s)
// Encode(" ") and EOT, so a window never starts empty.
func SuppressBlank(logits []float32, tok *tokenizer.Tokenizer) {
	for _, id := range tok.BlankTokens() {
		suppress(logits, id)
	}
	suppress(logits, tok.EOT())
}

// SuppressTokens is OpenAI's SuppressTokens filter: every id in ids gets
// -inf. The usual set is tok.SuppressTokens() (suppress_tokens="-1").
// Ids outside the row are ignored.
func SuppressTokens(logits []float32, ids []int) {
	for _, id := range ids {
		suppress(logits, id)
	}
}

// suppress sets logits[id] to -inf when id is in range.
func suppress(logits []float32, id int) {
	if id >= 0 && id < len(logits) {
		logits[id] = negInf
	}
}

// negInf is the value suppressed logits get.
var negInf = float32(math.Inf(-1))

// fill sets every logit in row to -inf.
func fill(row []float32) {
	for i := range row {
		row[i] = negInf
	}
}
