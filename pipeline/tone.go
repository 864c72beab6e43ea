package pipeline

import "math"

// Tone returns seconds of a sine tone at freq Hz and 16 kHz, amplitude 0.5.
func Tone(seconds float64, freq float64) []float32 {
	n := int(seconds * SampleRate)
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/SampleRate))
	}
	return s
}
