//go:build !amd64 || purego

package aac

// The Go versions of the kernels that have SSE versions on amd64.

// radix4 runs a radix-4 pass of half-sizes h and 2h (h a multiple of 4)
// over re and im, with the twiddles tw of an fftPass.
func radix4(re, im []float32, h int, tw []float32) { radix4Go(re, im, h, tw) }

// windowLong windows the inverse MDCT of a long sequence, whose DCT-IV is
// u, and overlaps it: out[n] = x[n]·left[n] + ov[n] for n from `from` on,
// then ov[n] = x[1024+n]·right[n]. It reports whether out may hold
// samples beyond ±maxSample (or NaN), which the caller then clamps.
func windowLong(u, left, right, ov, out *[1024]float32, from int) bool {
	return windowLongGo(u, left, right, ov, out, from)
}

// rotateIn packs the N/2 coefficients in as N/4 complex numbers, the even
// coefficient 2k and the mirrored odd one N/2-1-2k as pair k, rotates them
// and puts them in the FFT's bit-reversed input order (point i is pair
// rev[i]), then runs the FFT's stages of sizes 2 and 4 (twiddles 1 and
// -i).
func (p *imdctPlan) rotateIn(in, re, im []float32) { p.rotateInGo(in, re, im) }

// rotateOut runs the FFT's last radix-2 stage if it has one, and rotates
// its output z back into the DCT-IV: u[2k] = Re z[k], u[N/2-1-2k] = -Im
// z[k].
func (p *imdctPlan) rotateOut(re, im, u []float32) { p.rotateOutGo(re, im, u) }

// shortSpan sets dst to the falling half of the short window whose DCT-IV
// is a, windowed by fall, plus the rising half of the one whose DCT-IV is
// b, windowed by rise (see shortSpanGo).
func shortSpan(a, b, fall, rise, dst *[128]float32) { shortSpanGo(a, b, fall, rise, dst) }
