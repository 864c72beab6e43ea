package kernel

import "fmt"

// ConvOutLen returns the output length of a 1-D convolution over t samples:
// (t + 2·pad - kernel)/stride + 1.
func ConvOutLen(t, kernel, stride, pad int) int {
	return (t+2*pad-kernel)/stride + 1
}

// Conv1D computes a 1-D convolution (cross-correlation, as PyTorch's Conv1d)
// with zero padding:
//
//	dst[o][co] = bias[co] + Σ_{ci,kk} w[co][ci][kk] · x[ci][o·stride + kk - pad]
//
// x is channel-major, x[ci*t + ti] (Whisper's mel layout n_mels×frames); w
// has PyTorch's layout, w[(co*cin + ci)*kernel + kk]; bias has length cout
// (or is nil); dst is time-major, dst[o*cout + co], with tout =
// ConvOutLen(t, kernel, stride, pad) rows: already the tokens×state layout
// the transformer wants.
//
// x is first transposed to time-major order (a pooled scratch buffer of
// cin·t floats) and the convolution then runs as Conv1DT does.
func Conv1D(dst, x, w, bias []float32, cin, cout, t, kernel, stride, pad int) {
	tout := checkConv("Conv1D", dst, x, w, bias, cin, cout, t, kernel, stride, pad)
	buf := getBuf(cin * t)
	xt := *buf
	Transpose(xt, x, cin, t)
	conv1DT(dst, xt, w, bias, cin, cout, t, kernel, stride, pad, tout)
	putBuf(buf)
}

// Conv1DT is Conv1D for a time-major input, x[ti*cin + ci] — e.g. the output
// of a previous Conv1D, as between Whisper's conv1 and conv2 (use it there to
// skip Conv1D's transpose). Weights, bias and output are laid out as for
// Conv1D.
//
// It runs as an implicit-im2col GEMM dst = A·W'ᵀ with no im2col buffer: in
// time-major order row o of the im2col matrix is the contiguous window
// x[(o·stride-pad)·cin : (o·stride-pad+kernel)·cin], so the GEMM reads it in
// place with row stride stride·cin (only the few output rows whose window
// crosses the zero padding are gathered), and the weights are permuted to
// w'[co][kk·cin + ci] while being packed.
func Conv1DT(dst, x, w, bias []float32, cin, cout, t, kernel, stride, pad int) {
	tout := checkConv("Conv1DT", dst, x, w, bias, cin, cout, t, kernel, stride, pad)
	conv1DT(dst, x, w, bias, cin, cout, t, kernel, stride, pad, tout)
}

func checkConv(name string, dst, x, w, bias []float32, cin, cout, t, kernel, stride, pad int) int {
	checkPositive(name, cin, cout, t, kernel, stride)
	if pad < 0 {
		panic(fmt.Sprintf("kernel: %s: negative padding %d", name, pad))
	}
	tout := ConvOutLen(t, kernel, stride, pad)
	if t+2*pad < kernel {
		panic(fmt.Sprintf("kernel: %s: input length %d too short for kernel %d, padding %d", name, t, kernel, pad))
	}
	checkLen(name+": x", x, cin*t)
	checkLen(name+": w", w, cout*cin*kernel)
	checkLen(name+": dst", dst, tout*cout)
	if bias != nil {
		checkLen(name+": bias", bias, cout)
	}
	return tout
}

func conv1DT(dst, x, w, bias []float32, cin, cout, t, kernel, stride, pad, tout int) {
	k := cin * kernel
	src := convA{x: x, cin: cin, t: t, kernel: kernel, stride: stride, pad: pad}
	wts := convW{w: w, cin: cin, kernel: kernel}
	g := gemmJob{a: &src, b: &wts, m: tout, n: cout, k: k, c: dst, ldc: cout, bias: bias}
	g.run(workersFor(2*float64(tout)*float64(cout)*float64(k)/gemmFlopsPerNs, tout))
}

// convA is the implicit im2col matrix of a time-major input x[ti*cin+ci]:
// A[o][kk·cin+ci] = x[o·stride+kk-pad][ci], i.e. the flat window
// x[(o·stride-pad)·cin + p], zero outside [0, t·cin).
type convA struct {
	x                           []float32
	cin, t, kernel, stride, pad int
}

func (s *convA) direct(o, rows int) (int, bool) {
	first := o*s.stride - s.pad
	end := (o+rows-1)*s.stride - s.pad + s.kernel
	if first < 0 || end > s.t {
		return 0, false
	}
	return first * s.cin, true
}

func (s *convA) layout() ([]float32, int, float32) { return s.x, s.stride * s.cin, 1 }

func (s *convA) pack(dst []float32, i0, mc, p0, kc, mr int) {
	n := len(s.x)
	for ip := 0; ip < mc; ip += mr {
		h := min(mr, mc-ip)
		d := dst[(ip/mr)*kc*mr : (ip/mr+1)*kc*mr]
		for r := 0; r < mr; r++ {
			if r >= h {
				for p := 0; p < kc; p++ {
					d[p*mr+r] = 0
				}
				continue
			}
			start := ((i0+ip+r)*s.stride-s.pad)*s.cin + p0
			for p := 0; p < kc; p++ {
				v := float32(0)
				if idx := start + p; idx >= 0 && idx < n {
					v = s.x[idx]
				}
				d[p*mr+r] = v
			}
		}
	}
}

// convW presents PyTorch conv weights w[(co*cin+ci)*kernel+kk] as the GEMM's
// op(B)[kk·cin+ci][co] = w[co][ci][kk].
type convW struct {
	w           []float32
	cin, kernel int
}

func (s *convW) packPanel(dst []float32, k0, kq, c0, w, nr int) {
	ck := s.cin * s.kernel
	dst = dst[:kq*nr]
	for j := 0; j < nr; j++ {
		if j >= w {
			for p := 0; p < kq; p++ {
				dst[p*nr+j] = 0
			}
			continue
		}
		row := s.w[(c0+j)*ck : (c0+j+1)*ck]
		kk, ci := k0/s.cin, k0%s.cin
		for p := 0; p < kq; p++ {
			dst[p*nr+j] = row[ci*s.kernel+kk]
			if ci++; ci == s.cin {
				ci = 0
				kk++
			}
		}
	}
}

// Transpose writes the transpose of the rows×cols row-major matrix src into
// dst (cols×rows): dst[c*rows+r] = src[r*cols+c]. The AVX2 path transposes
// 8×8 blocks in registers; large matrices are split across goroutines.
func Transpose(dst, src []float32, rows, cols int) {
	checkLen("Transpose: src", src, rows*cols)
	checkLen("Transpose: dst", dst, rows*cols)
	const bs = 32 // rows per task (a multiple of 8)
	rb := ceilDiv(rows, bs)
	// Memory bound: only very large transposes gain from a second core.
	parallelFor(rb, workersFor(float64(rows*cols)*0.05, rb), func(b int) {
		r0, r1 := b*bs, min(rows, (b+1)*bs)
		if simd && cols >= 8 {
			nb := cols / 8
			for ; r0+8 <= r1; r0 += 8 {
				transpose8AVX2(&dst[r0], rows, &src[r0*cols], cols, nb)
				for c := nb * 8; c < cols; c++ {
					for r := r0; r < r0+8; r++ {
						dst[c*rows+r] = src[r*cols+c]
					}
				}
			}
		}
		for c0 := 0; c0 < cols; c0 += bs {
			c1 := min(cols, c0+bs)
			for r := r0; r < r1; r++ {
				s := src[r*cols+c0 : r*cols+c1]
				for j, v := range s {
					dst[(c0+j)*rows+r] = v
				}
			}
		}
	})
}
