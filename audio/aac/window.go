package aac

import "math"

// windowHalves is the rising half of a window of N samples; the falling
// half is its mirror image.
type windowHalves []float32

// sineWindow returns the rising half of the sine window of n samples
// (ISO/IEC 14496-3 subpart 4): sin(π/n·(i+½)).
func sineWindow(n int) windowHalves {
	w := make(windowHalves, n/2)
	for i := range w {
		w[i] = float32(math.Sin(math.Pi / float64(n) * (float64(i) + 0.5)))
	}
	return w
}

// kbdWindow returns the rising half of the Kaiser-Bessel-derived window of
// n samples with parameter alpha (4 for long windows, 6 for short ones):
// the square root of the running sum of a Kaiser kernel of n/2+1 points,
// normalised by its total.
func kbdWindow(n int, alpha float64) windowHalves {
	half := n / 2
	kernel := make([]float64, half+1)
	total := 0.0
	for j := range kernel {
		r := (float64(j) - float64(n)/4) / (float64(n) / 4)
		kernel[j] = besselI0(math.Pi * alpha * math.Sqrt(1-r*r))
		total += kernel[j]
	}
	w := make(windowHalves, half)
	sum := 0.0
	for i := range w {
		sum += kernel[i]
		w[i] = float32(math.Sqrt(sum / total))
	}
	return w
}

// besselI0 is the zeroth-order modified Bessel function of the first
// kind, by its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 100; k++ {
		f := x / (2 * float64(k))
		term *= f * f
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
