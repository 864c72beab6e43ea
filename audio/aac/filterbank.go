package aac

// synthesize turns the channel's spectrum into 1024 output samples: the
// inverse MDCT of each window, windowed with the frame's window shape on
// its right and the previous frame's on its left, overlapped and added to
// the previous frame's second half (ISO/IEC 14496-3 subpart 4, filterbank).
func (t *decoderTables) synthesize(ch *channel) {
	in := &ch.info
	shape, prev := in.windowShape, ch.prevShape
	switch in.windowSequence {
	case onlyLongSequence:
		t.synthesizeLong(ch, &t.longLeft[prev], &t.longRight[shape], 0, 1024)
	case longStartSequence:
		t.synthesizeLong(ch, &t.longLeft[prev], &t.startRight[shape], 0, 576)
	case longStopSequence:
		t.synthesizeLong(ch, &t.stopLeft[prev], &t.longRight[shape], 448, 1024)
	default:
		t.synthesizeShort(ch, &t.shortLeft[prev], &t.shortLeft[shape], &t.shortRight[shape])
	}
	ch.prevShape = shape
}

// synthesizeShort is synthesize for eight short windows: the inverse MDCT
// of window w, windowed, spans samples 448+128w to 704+128w of the frame's
// 2048, where it overlaps the windows before and after it. Each span of
// 128 samples from 448 to 1600 is the falling half of one window (or none)
// plus the rising half of the next (or none): shortSpan computes it from
// the two windows' DCT-IVs. The first window rises with the previous
// frame's shape (first), the others with the frame's (left).
func (t *decoderTables) synthesizeShort(ch *channel, first, left, right *[128]float32) {
	buf := &ch.buf
	prev := &zeroSpan
	for w := range 8 {
		cur := &ch.shortU[w&1]
		t.imdctShort.dct4(ch.spec[w*128:(w+1)*128], cur[:], &ch.scratch)
		rise := left
		if w == 0 {
			rise = first
		}
		shortSpan(prev, cur, right, rise, (*[128]float32)(buf[448+128*w:]))
		prev = cur
	}
	shortSpan(prev, &zeroSpan, right, left, (*[128]float32)(buf[1472:]))
	ov, out := &ch.overlap, &ch.out
	for n := range 448 {
		out[n] = clampSample(ov[n])
	}
	for n := 448; n < 1024; n++ {
		out[n] = clampSample(buf[n] + ov[n])
	}
	copy(ov[:576], buf[1024:1600])
	clear(ov[576:])
}

// zeroSpan stands for the DCT-IV of a missing window.
var zeroSpan [128]float32

// shortSpanGo is shortSpan in Go: the inverse MDCT x of a DCT-IV u of 128
// points is u[64+n] for n < 64, -u[191-n] up to 192 and -u[n-192] above.
func shortSpanGo(a, b, fall, rise, dst *[128]float32) {
	for n := range 64 {
		dst[n] = -a[63-n]*fall[n] + b[64+n]*rise[n]
	}
	for n := 64; n < 128; n++ {
		dst[n] = -a[n-64]*fall[n] + -b[191-n]*rise[n]
	}
}

// synthesizeLong is synthesize for the long sequences: the inverse MDCT
// unfolded from the DCT-IV u (x[n] = u[N/4+n] for n < N/4, -u[3N/4-1-n]
// up to 3N/4, -u[n-3N/4] above), windowed and overlapped in one pass by
// windowLong. left is the rising window over the first half, right the
// falling one over the second half, both of 1024 samples; the samples
// before zeroLeft in the first half, and from zeroRight on in the second,
// are those where the window is zero, which contribute nothing (not even
// their infinities when the frame's arithmetic overflows).
func (t *decoderTables) synthesizeLong(ch *channel, left, right *[1024]float32, zeroLeft, zeroRight int) {
	u := &ch.scratch.u
	t.imdctLong.dct4(ch.spec[:], u[:], &ch.scratch)
	ov, out := &ch.overlap, &ch.out
	for n := range zeroLeft {
		out[n] = clampSample(ov[n])
	}
	if windowLong(u, left, right, ov, out, zeroLeft) {
		for n := zeroLeft; n < len(out); n++ {
			out[n] = clampSample(out[n])
		}
	}
	clear(ov[zeroRight:])
}

// windowLongGo is windowLong in Go.
func windowLongGo(u, left, right, ov, out *[1024]float32, from int) bool {
	bad := false
	for n := from; n < 512; n++ {
		v := u[512+n]*left[n] + ov[n]
		bad = bad || !(v >= -maxSample && v <= maxSample)
		out[n] = v
	}
	for n := max(from, 512); n < 1024; n++ {
		v := -u[1535-n]*left[n] + ov[n]
		bad = bad || !(v >= -maxSample && v <= maxSample)
		out[n] = v
	}
	for n := range 512 {
		ov[n] = -u[511-n] * right[n]
	}
	for n := 512; n < 1024; n++ {
		ov[n] = -u[n-512] * right[n]
	}
	return bad
}

// maxSample bounds the output samples, 30 dB above full scale: far beyond
// what any sane stream decodes to, but reachable by frames at the limits
// of the syntax (the largest gains under an extreme TNS filter), whose
// arithmetic may even overflow.
const maxSample = 32

// clampSample returns v within ±maxSample: a sample beyond maps to the
// bound, NaN to 0.
func clampSample(v float32) float32 {
	if v >= -maxSample && v <= maxSample {
		return v
	}
	switch {
	case v > maxSample:
		return maxSample
	case v < -maxSample:
		return -maxSample
	}
	return 0
}
