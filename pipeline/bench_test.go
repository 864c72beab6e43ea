package pipeline

import (
	"errors"
	"io"
	"math"
	"testing"
)

func BenchmarkMel30s(b *testing.B) {
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		b.Fatal(err)
	}
	in := noise(SamplesPerWindow, 0.3, 11)
	out := make([]float32, 80*FramesPerWindow)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Compute(in, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
}

func BenchmarkMel11s(b *testing.B) {
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		b.Fatal(err)
	}
	in := noise(11*SampleRate, 0.3, 12)
	out := make([]float32, 80*FramesPerWindow)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Compute(in, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
}

func BenchmarkResample44k(b *testing.B) {
	src := noise(30*44100, 0.5, 13)
	r := NewResampler(44100, SampleRate)
	dst := make([]float32, 0, r.MaxOutput(len(src)))
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset()
		out := r.Flush(r.Process(dst[:0], src))
		if len(out) != SamplesPerWindow {
			b.Fatalf("%d samples", len(out))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
}

func BenchmarkDecodeResampleMel30s(b *testing.B) {
	file := stereoToneWAV(44100, 30, 440, 0.5, false)
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		b.Fatal(err)
	}
	audio := make([]float32, SamplesPerWindow)
	out := make([]float32, 80*FramesPerWindow)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := openBytes(file)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < len(audio) {
			k, err := d.Read(audio[n:])
			n += k
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if n != SamplesPerWindow {
			b.Fatalf("%d samples", n)
		}
		if err := m.Compute(audio[:n], out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
}

func BenchmarkResample48k(b *testing.B) {
	src := make([]float32, 30*48000)
	for i := range src {
		src[i] = float32(math.Sin(float64(i) * 0.01))
	}
	r := NewResampler(48000, SampleRate)
	dst := make([]float32, 0, r.MaxOutput(len(src))+r.MaxOutput(0))
	for b.Loop() {
		r.Reset()
		out := r.Flush(r.Process(dst[:0], src))
		if len(out) != SamplesPerWindow {
			b.Fatalf("%d samples", len(out))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
}
