package vad

import "github.com/xdna-worker/xdna-worker/whisper/kernel"

// outLen is the output length of the convolution over t steps (padding 1).
func (c *conv) outLen(t int) int { return (t+2-c.kernel)/c.stride + 1 }

// im2col lays out the input windows of n sequences of t steps (x is
// time-major, x[(s·t + ti)·in + ci]) as rows of kernel·in values, zero
// where a window crosses the padding: row (s, o) holds steps
// o·stride−1 … o·stride−1+kernel−1.
func (c *conv) im2col(dst, x []float32, n, t int) {
	tout, w := c.outLen(t), c.kernel*c.in
	for s := range n {
		for o := range tout {
			row := dst[(s*tout+o)*w : (s*tout+o+1)*w]
			for k := range c.kernel {
				slot := row[k*c.in : (k+1)*c.in]
				if ti := o*c.stride + k - 1; ti >= 0 && ti < t {
					copy(slot, x[(s*t+ti)*c.in:(s*t+ti+1)*c.in])
				} else {
					clear(slot)
				}
			}
		}
	}
}

// im2colHalf is im2col in ggml's order (channel-major: row[ci·kernel + k]),
// the layout of conv.wh.
func (c *conv) im2colHalf(dst, x []float32, n, t int) {
	tout, w := c.outLen(t), c.kernel*c.in
	for s := range n {
		for o := range tout {
			row := dst[(s*tout+o)*w : (s*tout+o+1)*w]
			for k := range c.kernel {
				if ti := o*c.stride + k - 1; ti >= 0 && ti < t {
					src := x[(s*t+ti)*c.in : (s*t+ti+1)*c.in]
					for ci, v := range src {
						row[ci*c.kernel+k] = v
					}
				} else {
					for ci := range c.in {
						row[ci*c.kernel+k] = 0
					}
				}
			}
		}
	}
}

// forward runs the convolution (bias added) on n sequences of t steps and
// returns the output length; out receives n·tout rows of c.out values.
func (c *conv) forward(s *scratch, out, x []float32, n, t int, num Numerics) int {
	tout := c.outLen(t)
	rows, k := n*tout, c.kernel*c.in
	col := s.col[:rows*k]
	if num == NumericsHalf {
		c.im2colHalf(col, x, n, t)
		c.wh.mulT(out, col, s.colH, c.b, rows)
	} else {
		c.im2col(col, x, n, t)
		kernel.MatMulTBias(out[:rows*c.out], col, c.w, c.b, rows, c.out, k)
	}
	return tout
}

// encode runs the four convolutions on n chunks' STFT magnitudes (mag, n·4
// rows of nBins) and leaves each chunk's 128-vector in s.enc. ReLU follows
// every convolution; the outputs of the first three are rounded to F16,
// being the next convolution's input.
func (m *Model) encode(s *scratch, n int, num Numerics) {
	t := nFrames
	in := s.mag
	for i := range m.conv {
		c := &m.conv[i]
		out := s.act[i]
		t = c.forward(s, out, in, n, t, num)
		if i < len(m.conv)-1 {
			reluHalf(out[:n*t*c.out])
		} else {
			relu(out[:n*t*c.out])
		}
		in = out
	}
	// t is 1: the encoder's output is pytorch's [:, :, 0] already.
	s.enc = in[:n*hidden]
}
