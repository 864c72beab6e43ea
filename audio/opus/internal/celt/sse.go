package celt

// The float kernels of libopus as its x86-64 build runs them (celt/x86/
// pitch_sse.c, used unconditionally there since SSE is always present).
// They sum in four lanes, so their rounding differs from a plain loop;
// reproducing their order keeps the output bit-exact with that build.

// innerProd is celt_inner_prod_sse: <x, y> over len(x).
func innerProd(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i < n-3; i += 4 {
		s0 += float32(x[i] * y[i])
		s1 += float32(x[i+1] * y[i+1])
		s2 += float32(x[i+2] * y[i+2])
		s3 += float32(x[i+3] * y[i+3])
	}
	// Horizontal sum: (s0+s2) + (s1+s3).
	xy := (s0 + s2) + (s1 + s3)
	for ; i < n; i++ {
		xy += float32(x[i] * y[i])
	}
	return xy
}

// dualInnerProd is dual_inner_prod_sse: <x, y1> and <x, y2>.
func dualInnerProd(x, y1, y2 []float32) (float32, float32) {
	n := len(x)
	y1 = y1[:n]
	y2 = y2[:n]
	var a0, a1, a2, a3, b0, b1, b2, b3 float32
	i := 0
	for ; i < n-3; i += 4 {
		a0 += float32(x[i] * y1[i])
		a1 += float32(x[i+1] * y1[i+1])
		a2 += float32(x[i+2] * y1[i+2])
		a3 += float32(x[i+3] * y1[i+3])
		b0 += float32(x[i] * y2[i])
		b1 += float32(x[i+1] * y2[i+1])
		b2 += float32(x[i+2] * y2[i+2])
		b3 += float32(x[i+3] * y2[i+3])
	}
	xy1 := (a0 + a2) + (a1 + a3)
	xy2 := (b0 + b2) + (b1 + b3)
	for ; i < n; i++ {
		xy1 += float32(x[i] * y1[i])
		xy2 += float32(x[i] * y2[i])
	}
	return xy1, xy2
}

// xcorrKernel is xcorr_kernel_sse: sum[k] += <x[:n], y[k:k+n]> for k < 4,
// in the SSE kernel's two interleaved accumulators.
func xcorrKernel(x, y []float32, sum *[4]float32, n int) {
	s1 := *sum // xsum1 starts from sum
	var s2 [4]float32
	j := 0
	for ; j < n-3; j += 4 {
		yy := y[j : j+7]
		x0, x1, x2, x3 := x[j], x[j+1], x[j+2], x[j+3]
		s1[0] += float32(x0 * yy[0])
		s1[1] += float32(x0 * yy[1])
		s1[2] += float32(x0 * yy[2])
		s1[3] += float32(x0 * yy[3])
		s2[0] += float32(x1 * yy[1])
		s2[1] += float32(x1 * yy[2])
		s2[2] += float32(x1 * yy[3])
		s2[3] += float32(x1 * yy[4])
		s1[0] += float32(x2 * yy[2])
		s1[1] += float32(x2 * yy[3])
		s1[2] += float32(x2 * yy[4])
		s1[3] += float32(x2 * yy[5])
		s2[0] += float32(x3 * yy[3])
		s2[1] += float32(x3 * yy[4])
		s2[2] += float32(x3 * yy[5])
		s2[3] += float32(x3 * yy[6])
	}
	if j < n {
		for k := 0; k < 4; k++ {
			s1[k] += float32(x[j] * y[j+k])
		}
		if j++; j < n {
			for k := 0; k < 4; k++ {
				s2[k] += float32(x[j] * y[j+k])
			}
			if j++; j < n {
				for k := 0; k < 4; k++ {
					s1[k] += float32(x[j] * y[j+k])
				}
			}
		}
	}
	for k := 0; k < 4; k++ {
		sum[k] = s1[k] + s2[k]
	}
}

// combFilterConst is comb_filter_const_sse: y[i] = x[xoff+i] filtered
// with period t and taps g10, g11, g12, for i < n. y may be x[xoff:] (in
// place), as the post-filter runs; t ≥ 15 makes that safe.
func combFilterConst(y []float32, x []float32, xoff, t, n int, g10, g11, g12 float32) {
	xs := x[xoff-t-2:]
	x0 := [4]float32{xs[0], xs[1], xs[2], xs[3]}
	i := 0
	for ; i < n-3; i += 4 {
		x4 := [4]float32{xs[i+4], xs[i+5], xs[i+6], xs[i+7]}
		x2 := [4]float32{x0[2], x0[3], x4[0], x4[1]}
		x1 := [4]float32{x0[1], x0[2], x2[1], x2[2]}
		x3 := [4]float32{x2[1], x2[2], x4[1], x4[2]}
		xi := x[xoff+i : xoff+i+4]
		yi := y[i : i+4]
		for k := 0; k < 4; k++ {
			a := xi[k] + float32(g10*x2[k])
			b := float32(g11*(x3[k]+x1[k])) + float32(g12*(x4[k]+x0[k]))
			yi[k] = a + b
		}
		x0 = x4
	}
	// The remainder (libopus builds with custom modes, which have it).
	for ; i < n; i++ {
		j := xoff + i
		y[i] = x[j] + float32(g10*x[j-t]) + float32(g11*(x[j-t+1]+x[j-t-1])) + float32(g12*(x[j-t+2]+x[j-t-2]))
	}
}
