package align

import "fmt"

// DefaultMedianWidth is the median filter width of whisper.cpp
// (whisper_full_with_state passes 7) and OpenAI (medfilt_width=7).
const DefaultMedianWidth = 7

type config struct {
	medianWidth int
	renormalize bool
}

func defaults() config { return config{medianWidth: DefaultMedianWidth} }

// Option configures Align.
type Option func(*config) error

// WithMedianWidth sets the median filter width along frames; it must be odd
// and positive. Width 1 disables the filter.
func WithMedianWidth(w int) Option {
	return func(c *config) error {
		if w <= 0 || w%2 == 0 || w > MaxFrames {
			return fmt.Errorf("%w: median width %d must be odd and in [1, %d]", ErrShape, w, MaxFrames)
		}
		c.medianWidth = w
		return nil
	}
}

// WithRenormalize makes Align rescale each (head, token) row so that its
// kept frames sum to one before standardising, which is what OpenAI does
// (it applies the softmax to the raw scores of the kept frames only).
// whisper.cpp — the default — uses the softmax over the whole audio context.
func WithRenormalize(on bool) Option {
	return func(c *config) error { c.renormalize = on; return nil }
}
