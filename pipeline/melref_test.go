package pipeline

import (
	"math"
	"runtime"
	"sync"
)

// refLogMel is a straightforward float64 rendering of openai/whisper's
// log_mel_spectrogram for one window: zero-pad to 480000 samples, reflect-pad
// 200 at both ends, periodic Hann, O(N²) DFT per frame, drop the last frame,
// |X|², filterbank, log10(max(x, 1e-10)), max(x, max-8), (x+4)/4. The result
// is [mel][frame].
func refLogMel(samples []float32, filters []float32, nMels int) []float64 {
	const n, pad = SamplesPerWindow, NFFT / 2
	x := make([]float64, n)
	for i, v := range samples {
		x[i] = float64(v)
	}
	p := make([]float64, n+2*pad)
	for i := range p {
		j := i - pad
		if j < 0 {
			j = -j
		}
		if j >= n {
			j = 2*(n-1) - j
		}
		p[i] = x[j]
	}
	var hann, cosT, sinT [NFFT]float64
	for i := range NFFT {
		hann[i] = 0.5 * (1 - math.Cos(2*math.Pi*float64(i)/NFFT))
		cosT[i] = math.Cos(2 * math.Pi * float64(i) / NFFT)
		sinT[i] = math.Sin(2 * math.Pi * float64(i) / NFFT)
	}
	out := make([]float64, nMels*FramesPerWindow)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var frame [NFFT]float64
			var power [NFreqs]float64
			for t := w; t < FramesPerWindow; t += workers {
				zero := true
				for j := range frame {
					frame[j] = p[t*HopLength+j] * hann[j]
					zero = zero && frame[j] == 0
				}
				for k := range NFreqs {
					var re, im float64
					if !zero {
						for j, v := range frame {
							idx := (k * j) % NFFT
							re += v * cosT[idx]
							im -= v * sinT[idx]
						}
					}
					power[k] = re*re + im*im
				}
				for m := range nMels {
					var s float64
					for k, pw := range power {
						s += float64(filters[m*NFreqs+k]) * pw
					}
					out[m*FramesPerWindow+t] = math.Log10(max(s, 1e-10))
				}
			}
		}()
	}
	wg.Wait()
	mx := math.Inf(-1)
	for _, v := range out {
		mx = max(mx, v)
	}
	for i, v := range out {
		out[i] = (max(v, mx-8) + 4) / 4
	}
	return out
}
