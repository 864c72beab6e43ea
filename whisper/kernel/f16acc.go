package kernel

import "encoding/binary"

// The row products of F16 weight matrices in the decoder (one to a few
// rows of activations against n rows of weights) read each weight row
// whole, front to back, into four independent accumulators. On Zen 4 that
// streams an F16 matrix at ≈ 17.6–18.8 GB/s on one core, where the dots
// order (eight weight rows interleaved, one accumulator each) reaches
// 7.6 GB/s: the 51,864 × 384 logits product of tiny takes 2.1–2.3 ms
// instead of 5.2 ms (testdata/f16stream.c, one thread; the command is in
// it). Every row of activations reads the halves in place (dotsHalf), so a
// row's result does not depend on how many rows are computed together;
// dotsWide is the same order on float32 rows, dotsHalf's fallback.

// dotsHalf sets out[j] = q · (row j of k) for j < len(out), k holding
// little-endian halves with rows ldk elements apart, in the acc4 order.
func dotsHalf(out, q []float32, k []byte, ldk int) {
	d, n := len(q), len(out)
	if n == 0 {
		return
	}
	k = k[:2*((n-1)*ldk+d)]
	d32 := d &^ 31
	if !f16simd || d32 == 0 {
		buf := getBuf(d)
		wide := *buf
		for j := range out {
			widenF16(wide, k[2*j*ldk:2*(j*ldk+d)])
			dotsWide(out[j:j+1], q, wide, d)
		}
		putBuf(buf)
		return
	}
	dotsF16Acc4AVX2(&q[0], &k[0], ldk, d32, n, &out[0])
	if d32 < d {
		t := halfTable()
		for j := range out {
			row := k[2*j*ldk : 2*(j*ldk+d)]
			s := out[j]
			for p := d32; p < d; p++ {
				s += q[p] * t[binary.LittleEndian.Uint16(row[2*p:])]
			}
			out[j] = s
		}
	}
}

// halfRowsAtOnce reports whether dotsHalf2 and dotsHalf3 take rows of
// length d: with the F16C kernels, d a positive multiple of 32.
func halfRowsAtOnce(d int) bool { return f16simd && d > 0 && d%32 == 0 }

// dotsHalf2 is dotsHalf for two rows of activations (q0 into out0, q1 into
// out1) reading k once: each chunk of halves is converted once for both,
// and each row's sums are exactly dotsHalf's. Only where halfRowsAtOnce(len(q0)).
func dotsHalf2(out0, out1, q0, q1 []float32, k []byte, ldk int) {
	d, n := len(q0), len(out0)
	if n == 0 {
		return
	}
	k = k[:2*((n-1)*ldk+d)]
	q1, out1 = q1[:d], out1[:n]
	dotsF16Acc4x2AVX2(&q0[0], &q1[0], &k[0], ldk, d, n, &out0[0], &out1[0])
}

// dotsHalf3 is dotsHalf2 for three rows of activations.
func dotsHalf3(out0, out1, out2, q0, q1, q2 []float32, k []byte, ldk int) {
	d, n := len(q0), len(out0)
	if n == 0 {
		return
	}
	k = k[:2*((n-1)*ldk+d)]
	q1, q2, out1, out2 = q1[:d], q2[:d], out1[:n], out2[:n]
	dotsF16Acc4x3AVX2(&q0[0], &q1[0], &q2[0], &k[0], ldk, d, n, &out0[0], &out1[0], &out2[0])
}

// dotsWide sets out[j] = q · (row j of k) for j < len(out), rows ldk
// apart, in the acc4 order: dotsHalf's result on the widened rows.
func dotsWide(out, q, k []float32, ldk int) {
	d, n := len(q), len(out)
	if n == 0 {
		return
	}
	k = k[:(n-1)*ldk+d]
	d32 := d &^ 31
	if f16simd && d32 > 0 {
		dotsAcc4AVX2(&q[0], &k[0], ldk, d32, n, &out[0])
	} else {
		for j := range out {
			out[j] = dotAcc4Go(q[:d32], k[j*ldk:j*ldk+d32])
		}
	}
	for j := range out {
		row := k[j*ldk : j*ldk+d]
		s := out[j]
		for p := d32; p < d; p++ {
			s += q[p] * row[p]
		}
		out[j] = s
	}
}

// dotAcc4Go is the acc4 order in Go (len(q) a multiple of 32): element
// p+8u+l of each 32-element chunk goes to lane l of accumulator u; then
// (a0+a1)+(a2+a3) lane by lane, lanes l and l+4 added, and
// (s0+s1)+(s2+s3). The assembly fuses each multiply-add, Go does not, so
// the two agree to rounding; each path is used for every row count.
func dotAcc4Go(q, w []float32) float32 {
	var acc [4][8]float32
	w = w[:len(q)]
	for p := 0; p+32 <= len(q); p += 32 {
		for u := range 4 {
			qs, ws := q[p+8*u:p+8*u+8], w[p+8*u:p+8*u+8]
			for l := range 8 {
				acc[u][l] += qs[l] * ws[l]
			}
		}
	}
	var v [8]float32
	for l := range v {
		v[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l])
	}
	s0, s1, s2, s3 := v[0]+v[4], v[1]+v[5], v[2]+v[6], v[3]+v[7]
	return (s0 + s1) + (s2 + s3)
}
