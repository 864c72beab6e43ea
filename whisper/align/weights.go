package align

import "fmt"

// Weights is the softmaxed cross-attention of the alignment heads for one
// forced decoder pass, laid out [Heads][Tokens][Ctx] in Data: the value at
// (h, t, f) is Data[(h*Tokens+t)*Ctx+f], the attention that query token t
// pays to encoder frame f in head h. Ctx is the encoder's frame count
// (n_audio_ctx, 1500 for 30 s windows); Align reads only the audio's frames.
// Heads are in the order Heads returns them (layer, then preset order).
type Weights struct {
	Data   []float32
	Heads  int
	Tokens int
	Ctx    int
}

func (w Weights) check() error {
	if w.Heads <= 0 || w.Heads > MaxHeads || w.Tokens <= 0 || w.Tokens > MaxTokens+4 ||
		w.Ctx <= 0 || w.Ctx > MaxFrames {
		return fmt.Errorf("%w: weights of %d heads × %d tokens × %d frames", ErrShape, w.Heads, w.Tokens, w.Ctx)
	}
	if len(w.Data) != w.Heads*w.Tokens*w.Ctx {
		return fmt.Errorf("%w: %d values for %d heads × %d tokens × %d frames",
			ErrShape, len(w.Data), w.Heads, w.Tokens, w.Ctx)
	}
	return nil
}
