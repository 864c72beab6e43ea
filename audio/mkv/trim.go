package mkv

import "math/bits"

// A trimmer cuts decoded packets the way ffmpeg 5.1 does when it decodes a
// Matroska track, so that the output has ffmpeg's length to the sample:
//
//   - skip samples are dropped from the start of the output, across as many
//     packets as they span. They start as the codec's delay (Opus's
//     pre-skip from the OpusHead; nothing for Vorbis). CodecDelay plays no
//     part: ffmpeg does not use it.
//   - a frame from a block with a non-zero DiscardPadding element carries
//     ffmpeg's skip-samples side data: the padding, rescaled from
//     nanoseconds to samples (rounding half away from zero), replaces the
//     pending skip count with its negation when negative (or 0), and when
//     positive it is the number of samples to drop from the end of that
//     frame's output — only if it is at most the output's length; a larger
//     value is ignored. Every frame of a laced block carries the block's
//     padding.
//
// These rules were established by comparing ffmpeg's output lengths on
// files built for the purpose (see trim_test.go).
type trimmer struct {
	rate int64 // output sample rate, for rescaling DiscardPadding
	skip int64 // samples still to drop from the start
}

// cut returns the part [from, to) of an n-sample packet output to keep,
// given the DiscardPadding (ns) of the packet's block, and updates the skip
// count.
func (t *trimmer) cut(n int, discardPadding int64) (from, to int) {
	var discard int64
	if discardPadding != 0 {
		v := rescale(discardPadding, t.rate)
		t.skip = max(0, -v)
		discard = max(0, v)
	}
	from, to = 0, n
	if t.skip > 0 {
		if int64(n) <= t.skip {
			t.skip -= int64(n)
			return 0, 0
		}
		from = int(t.skip)
		t.skip = 0
	}
	if discard > 0 && discard <= int64(to-from) {
		to -= int(discard)
	}
	return from, to
}

// rescale converts ns nanoseconds to samples at rate, rounding half away
// from zero, without overflow.
func rescale(ns, rate int64) int64 {
	neg := ns < 0
	u := uint64(ns)
	if neg {
		u = -u
	}
	hi, lo := bits.Mul64(u, uint64(rate))
	lo, carry := bits.Add64(lo, 500000000, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, 1000000000) // hi < 2^20 < 1e9: no overflow
	v := int64(min(q, 1<<62))
	if neg {
		return -v
	}
	return v
}
