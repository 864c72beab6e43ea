package vad

import "github.com/xdna-worker/xdna-worker/whisper/kernel"

// lstm is the decoder's recurrent state: hidden and cell vectors.
type lstm struct {
	h, c [hidden]float32
	g    [gates]float32 // scratch: gate pre-activations, then activations
	e    [hidden]float32
	eh   [hidden]uint16 // scratch: e in binary16 (NumericsHalf)
}

func (l *lstm) reset() { *l = lstm{} }

// step advances the LSTM by one chunk, gx being W_ih·x + b_ih for the
// chunk's encoder output, and returns the chunk's speech probability:
// sigmoid(w·relu(h) + b) with relu(h) rounded to F16 (the final projection
// is a convolution with F16 weights in whisper.cpp's graph).
//
// The gate activations are computed on whole vectors with kernel.Exp:
// sigmoid(x) = 1/(1 + e^−x) and tanh(x) = 1 − 2/(e^2x + 1), exact at the
// extremes (e^x overflowing to +Inf gives 0, 1 and −1 as it should).
func (m *Model) step(l *lstm, gx []float32, num Numerics) float32 {
	g := l.g[:]
	for r := range gates {
		g[r] = kernel.Dot(l.h[:], m.wHH[r*hidden:(r+1)*hidden]) + m.bHH[r] + gx[r]
	}
	// g holds i, f, g, o: exponentiate −i, −f, 2g, −o in one pass.
	for r := range g {
		if r >= 2*hidden && r < 3*hidden {
			g[r] *= 2
		} else {
			g[r] = -g[r]
		}
	}
	kernel.Exp(g)
	for j := range hidden {
		i := 1 / (1 + g[j])
		f := 1 / (1 + g[hidden+j])
		c := 1 - 2/(g[2*hidden+j]+1)
		l.c[j] = f*l.c[j] + i*c
		l.e[j] = 2 * l.c[j]
	}
	kernel.Exp(l.e[:])
	for j := range hidden {
		o := 1 / (1 + g[3*hidden+j])
		l.h[j] = o * (1 - 2/(l.e[j]+1))
		l.e[j] = roundHalf(max(l.h[j], 0))
	}
	var z float32
	if num == NumericsHalf {
		var d [1]float32
		m.wOutH.mulT(d[:], l.e[:], l.eh[:], nil, 1)
		z = -(d[0] + m.bOut)
	} else {
		z = -(kernel.Dot(l.e[:], m.wOut) + m.bOut)
	}
	l.e[0] = z
	kernel.Exp(l.e[:1])
	return 1 / (1 + l.e[0])
}
