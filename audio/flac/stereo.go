package flac

// decorrelate restores left and right from a stereo pair coded with the
// given channel assignment (RFC 9639 section 4.2): a and b are the first
// and second subframes, and hold left and right afterwards.
func decorrelate(assign int, a, b []int64) {
	b = b[:len(a)]
	switch assign {
	case assignLeftSide: // left, side
		for i, l := range a {
			b[i] = l - b[i]
		}
	case assignRightSide: // side, right
		for i, s := range a {
			a[i] = s + b[i]
		}
	case assignMidSide: // mid, side
		for i, m := range a {
			s := b[i]
			m = m<<1 | s&1
			a[i] = (m + s) >> 1
			b[i] = (m - s) >> 1
		}
	}
}

// sideBits returns the bit depth of subframe ch of a frame with the given
// channel assignment and bit depth: one more for a side channel.
func sideBits(assign, ch int, bits uint) uint {
	switch {
	case assign == assignLeftSide && ch == 1,
		assign == assignRightSide && ch == 0,
		assign == assignMidSide && ch == 1:
		return bits + 1
	}
	return bits
}
