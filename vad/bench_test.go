package vad_test

import (
	"context"
	"testing"

	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// BenchmarkVADJFK times the probabilities of jfk.wav's 344 chunks (what
// whisper.cpp's vadref times as "vad time") in both numerics, on one thread
// as vadref runs and with the kernels' default threads (the binary16
// products run on one thread whatever the setting).
func BenchmarkVADJFK(b *testing.B) {
	s := jfkSamples(b)
	dst := make([]float32, 0, 344)
	for _, num := range []vad.Numerics{vad.NumericsHalf, vad.NumericsFloat} {
		d := loadModel(b).NewDetector(vad.WithNumerics(num))
		for _, bc := range []struct {
			name    string
			threads int
		}{{"threads=1", 1}, {"threads=default", 0}} {
			b.Run(num.String()+"/"+bc.name, func(b *testing.B) {
				defer kernel.SetThreads(kernel.SetThreads(bc.threads))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.AppendProbabilities(context.Background(), dst, s); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/344/1e3, "µs/chunk")
			})
		}
	}
}
