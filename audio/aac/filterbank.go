package aac

// synthesize turns the channel's spectrum into 1024 output samples: the
// inverse MDCT of each window, windowed with the frame's window shape on
// its right and the previous frame's on its left, overlapped and added to
// the previous frame's second half (ISO/IEC 14496-3 subpart 4, filterbank).
func (t *decoderTables) synthesize(ch *channel) {
	in := &ch.info
	shape, prev := in.windowShape, ch.prevShape
	buf := &ch.buf
	longCur, longPrev := t.windows[shape][0], t.windows[prev][0]
	shortCur, shortPrev := t.windows[shape][1], t.windows[prev][1]
	switch in.windowSequence {
	case eightShortSequence:
		clear(buf[:])
		tmp := ch.short[:]
		for w := range 8 {
			t.imdctShort.transform(ch.spec[w*128:(w+1)*128], tmp, &ch.scratch)
			left := shortCur
			if w == 0 {
				left = shortPrev
			}
			o := buf[448+128*w : 448+128*w+256]
			for n := range 128 {
				o[n] += tmp[n] * left[n]
				o[128+n] += tmp[128+n] * shortCur[127-n]
			}
		}
	default:
		t.imdctLong.transform(ch.spec[:], buf[:], &ch.scratch)
		if in.windowSequence == longStopSequence {
			clear(buf[:448])
			for n := range 128 {
				buf[448+n] *= shortPrev[n]
			}
		} else {
			for n := range 1024 {
				buf[n] *= longPrev[n]
			}
		}
		if in.windowSequence == longStartSequence {
			for n := range 128 {
				buf[1472+n] *= shortCur[127-n]
			}
			clear(buf[1600:])
		} else {
			r := buf[1024:2048]
			for n := range 1024 {
				r[n] *= longCur[1023-n]
			}
		}
	}
	for n := range 1024 {
		v := buf[n] + ch.overlap[n]
		if !(v >= -maxSample && v <= maxSample) {
			v = clampSample(v)
		}
		ch.out[n] = v
	}
	copy(ch.overlap[:], buf[1024:])
	ch.prevShape = shape
}

// maxSample bounds the output samples, 30 dB above full scale: far beyond
// what any sane stream decodes to, but reachable by frames at the limits
// of the syntax (the largest gains under an extreme TNS filter), whose
// arithmetic may even overflow.
const maxSample = 32

// clampSample maps a sample outside ±maxSample to the bound, and NaN to 0.
func clampSample(v float32) float32 {
	switch {
	case v > maxSample:
		return maxSample
	case v < -maxSample:
		return -maxSample
	}
	return 0
}
