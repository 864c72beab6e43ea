package celt

// The inverse MDCT, computed with an N/4-point complex FFT (libopus
// celt/mdct.c, clt_mdct_backward_c, float build).

// imdct computes the inverse MDCT of the n/2 coefficients in, read with
// the given stride, and overlap-adds its windowed output into
// out[:n/2+overlap/2]; shift selects n = 1920>>shift (clt_mdct_backward).
func imdct(in []float32, out []float32, shift, stride int, scratch []complex32) {
	n := mdctSize
	trig := mdctTrig[:]
	for i := 0; i < shift; i++ {
		n >>= 1
		trig = trig[n:]
	}
	n2 := n >> 1
	n4 := n >> 2
	st := &ffts[shift]

	// Pre-rotation, stored directly in bit-reversed order. The C code
	// works in place in out[overlap/2:]; scratch plays that role here.
	f := scratch[:n4]
	{
		xp1 := 0
		xp2 := stride * (n2 - 1)
		for i := 0; i < n4; i++ {
			rev := st.bitrev[i]
			x1, x2 := in[xp1], in[xp2]
			yr := float32(x2*trig[i]) + float32(x1*trig[n4+i])
			yi := float32(x1*trig[i]) - float32(x2*trig[n4+i])
			// Real and imaginary are swapped: an FFT stands in for the IFFT.
			f[rev] = complex32{yi, yr}
			xp1 += 2 * stride
			xp2 -= 2 * stride
		}
	}
	st.fftImpl(f)

	// Post-rotation and de-shuffle, from both ends at once.
	y := out[overlap/2 : overlap/2+n2]
	{
		i0 := 0
		i1 := n4 - 1
		for i := 0; i < (n4+1)>>1; i++ {
			// f[i0] and f[i1] hold (im, re) pairs.
			re, im := f[i0].i, f[i0].r
			t0, t1 := trig[i], trig[n4+i]
			yr := float32(re*t0) + float32(im*t1)
			yi := float32(re*t1) - float32(im*t0)
			re2, im2 := f[i1].i, f[i1].r
			y[2*i0] = yr
			y[2*i1+1] = yi
			t0, t1 = trig[n4-i-1], trig[n2-i-1]
			yr = float32(re2*t0) + float32(im2*t1)
			yi = float32(re2*t1) - float32(im2*t0)
			y[2*i1] = yr
			y[2*i0+1] = yi
			i0++
			i1--
		}
	}

	// Mirror on both sides for TDAC.
	{
		xp1 := overlap - 1
		yp1 := 0
		for i := 0; i < overlap/2; i++ {
			x1 := out[xp1]
			x2 := out[yp1]
			w1 := window[i]
			w2 := window[overlap-1-i]
			out[yp1] = float32(w2*x2) - float32(w1*x1)
			out[xp1] = float32(w1*x2) + float32(w2*x1)
			yp1++
			xp1--
		}
	}
}
