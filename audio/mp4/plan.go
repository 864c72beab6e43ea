package mp4

import "math/bits"

// plan is which samples of the sample tables are decoded, and how many of
// the decoded frames are dropped, to present an edit list's segment the
// way ffmpeg (5.1) does:
//
//   - decoding starts at the last sample that starts at or before one
//     second (of media time) before the segment, so that the decoder has
//     primed its state by the segment's first sample; what those samples
//     decode to, and the segment's first sample up to the segment's start,
//     is dropped;
//   - decoding stops after the first sample that ends at or after the
//     end of the segment, and all of that sample's frames are kept.
//
// Without an edit list every sample is decoded and kept.
type plan struct {
	first   uint32 // index of the first sample decoded
	last    uint32 // index of the last sample decoded
	decoded uint32 // samples decoded: last-first+1, or 0 when none are
	// skipTime is the media time from the first sample decoded to the
	// edit's start. ffmpeg drops that many decoded frames, even when the
	// media timescale is not the sample rate.
	skipTime int64
}

// preroll is how much media before the edit's start is decoded, as a
// fraction of the media timescale: one second.
const prerollSeconds = 1

// makePlan applies the edit of track t, in a movie of timescale movieTS,
// to its count samples.
func makePlan(src *source, t *track, count uint32, movieTS uint32) (plan, error) {
	if count == 0 {
		return plan{}, nil
	}
	p := plan{last: count - 1, decoded: count}
	e := t.edit
	if !e.present {
		return p, nil
	}
	if movieTS == 0 {
		return p, malformed("the movie has an edit list but no mvhd box, or a timescale of 0")
	}
	ts := int64(t.timescale)
	start := e.mediaTime
	if start > maxMediaTime {
		start = maxMediaTime
	}
	search := max(start-prerollSeconds*ts, 0)
	end := start + min(rescale(e.duration, uint64(t.timescale), uint64(movieTS)), maxMediaTime-start)

	// The last sample that starts at or before search.
	var t0 int64
	var index uint32
	var time int64
	err := scanStts(src, t.tables.stts, func(n, d uint32) error {
		n = min(n, count-index)
		if n == 0 {
			return nil
		}
		if time <= search {
			k := n - 1
			if d != 0 {
				k = uint32(min(int64(n-1), (search-time)/int64(d)))
			}
			p.first, t0 = index+k, time+int64(k)*int64(d)
		}
		index += n
		time += int64(n) * int64(d)
		return nil
	})
	if err != nil {
		return p, err
	}

	// The first sample from there that ends at or after end.
	index, time = 0, 0
	found := false
	err = scanStts(src, t.tables.stts, func(n, d uint32) error {
		n = min(n, count-index)
		if n == 0 || found {
			return nil
		}
		lo := int64(0) // the first sample of the run that may be last
		if p.first > index {
			lo = int64(p.first - index)
		}
		if lo < int64(n) {
			var k int64
			switch {
			case d == 0 && time >= end:
				k = lo
			case d == 0:
				k = -1
			default:
				// The smallest k with time + (k+1)·d ≥ end.
				k = max(ceilDiv(end-time, int64(d))-1, lo)
			}
			if k >= 0 && k < int64(n) {
				p.last, found = index+uint32(k), true
			}
		}
		index += n
		time += int64(n) * int64(d)
		return nil
	})
	if err != nil {
		return p, err
	}
	p.decoded = p.last - p.first + 1
	p.skipTime = start - t0
	return p, nil
}

// rescale returns x·num/den rounded to the nearest integer (halves away
// from zero), saturating at maxMediaTime.
func rescale(x, num, den uint64) int64 {
	if den == 0 {
		return maxMediaTime
	}
	hi, lo := bits.Mul64(x, num)
	lo, c := bits.Add64(lo, den/2, 0)
	hi += c
	if hi >= den {
		return maxMediaTime
	}
	q, _ := bits.Div64(hi, lo, den)
	return int64(min(q, maxMediaTime))
}

// ceilDiv returns ⌈a/b⌉ for b > 0.
func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}
