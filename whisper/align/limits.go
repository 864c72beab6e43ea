package align

import "errors"

// Size bounds of one alignment: Whisper's text context (448 tokens), its
// audio context (1500 encoder frames) and every head of a 32-layer × 40-head
// decoder. They bound the DTW tables at about 3.4 MB.
const (
	MaxTokens = 448
	MaxFrames = 1500
	MaxHeads  = 32 * 40
)

// ErrShape reports weights or arguments whose sizes do not agree or exceed
// the bounds above.
var ErrShape = errors.New("align: bad shape")
