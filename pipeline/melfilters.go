package pipeline

import "math"

// MelFilters returns the mel filterbank Whisper uses, nMels×NFreqs float32
// row-major [mel][bin]: librosa.filters.mel(sr=16000, n_fft=400,
// n_mels=nMels, htk=False, norm="slaney") with fmin 0 and fmax 8000, i.e.
// triangles on the Slaney mel scale (linear below 1 kHz, logarithmic
// above), each scaled to unit area in Hz. It is computed in float64 and
// rounded to float32, as librosa does. It panics if nMels < 1.
func MelFilters(nMels int) []float32 {
	if nMels < 1 {
		panic("pipeline: MelFilters with nMels < 1")
	}
	const fmax = SampleRate / 2
	// Centre frequencies: nMels+2 points evenly spaced in mel.
	// As numpy.linspace: start + i·step, with the end point exact.
	minMel, maxMel := hzToMel(0), hzToMel(fmax)
	step := (maxMel - minMel) / float64(nMels+1)
	melF := make([]float64, nMels+2)
	for i := range melF {
		melF[i] = melToHz(float64(i)*step + minMel)
	}
	melF[nMels+1] = melToHz(maxMel)
	out := make([]float32, nMels*NFreqs)
	for m := range nMels {
		lo, mid, hi := melF[m], melF[m+1], melF[m+2]
		enorm := 2 / (hi - lo)
		for k := range NFreqs {
			f := float64(k) * SampleRate / NFFT
			lower := (f - lo) / (mid - lo)
			upper := (hi - f) / (hi - mid)
			w := max(0, min(lower, upper))
			// librosa stores the triangle in float32, then scales it
			// in float64 and rounds again.
			out[m*NFreqs+k] = float32(float64(float32(w)) * enorm)
		}
	}
	return out
}

// Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic
// above (27 mels per factor of 6.4).
// The values are variables so that they are rounded to float64 step by
// step, as librosa computes them.
var (
	slaneyHzPerMel = 200.0 / 3
	slaneyMinLogHz = 1000.0
	slaneyMinLog   = slaneyMinLogHz / slaneyHzPerMel
	slaneyLogStep  = math.Log(6.4) / 27
)

func hzToMel(f float64) float64 {
	if f >= slaneyMinLogHz {
		return slaneyMinLog + math.Log(f/slaneyMinLogHz)/slaneyLogStep
	}
	return f / slaneyHzPerMel
}

func melToHz(m float64) float64 {
	if m >= slaneyMinLog {
		return slaneyMinLogHz * math.Exp(slaneyLogStep*(m-slaneyMinLog))
	}
	return m * slaneyHzPerMel
}
