package vad

import (
	"math"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// frames writes the STFT frames of one chunk (ChunkSamples samples,
// zero-padded past len(x)) into dst, nFrames rows of nFFT values: the chunk
// reflect-padded by padReflect samples on each side (ggml_pad_reflect_1d,
// the edge sample not repeated), rounded to F16 as ggml's im2col does, and
// cut every hop samples. pad is scratch of ChunkSamples+2·padReflect.
func frames(dst, x, pad []float32) {
	body := pad[padReflect : padReflect+ChunkSamples]
	n := copy(body, x)
	clear(body[n:])
	roundHalfSlice(body)
	for i := 1; i <= padReflect; i++ {
		pad[padReflect-i] = pad[padReflect+i]
		pad[padReflect+ChunkSamples-1+i] = pad[padReflect+ChunkSamples-1-i]
	}
	for t := range nFrames {
		copy(dst[t*nFFT:(t+1)*nFFT], pad[t*hop:t*hop+nFFT])
	}
}

// stft computes the STFT magnitudes of rows frames (s.fr): s.spec (rows × 2·nBins)
// is the product with the basis, real parts first, and s.mag (rows × nBins)
// receives sqrt(re² + im²) rounded to F16 (the next convolution's input).
func (m *Model) stft(s *scratch, rows int, num Numerics) {
	mag, spec, fr := s.mag, s.spec, s.fr
	if num == NumericsHalf {
		m.basisH.mulT(spec, fr, s.colH, nil, rows)
	} else {
		kernel.MatMulT(spec[:rows*2*nBins], fr[:rows*nFFT], m.basis, rows, 2*nBins, nFFT)
	}
	for r := range rows {
		s := spec[r*2*nBins : (r+1)*2*nBins]
		re, im := s[:nBins], s[nBins:]
		out := mag[r*nBins : (r+1)*nBins]
		for k := range out {
			out[k] = roundHalf(float32(math.Sqrt(float64(re[k]*re[k] + im[k]*im[k]))))
		}
	}
}
