package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// resampleAll runs src through a new Resampler in chunks of size chunk.
func resampleAll(in, out int, src []float32, chunk int) []float32 {
	r := NewResampler(in, out)
	var dst []float32
	for len(src) > 0 {
		k := min(chunk, len(src))
		dst = r.Process(dst, src[:k])
		src = src[k:]
	}
	return r.Flush(dst)
}

// tone returns n samples of amp·sin(2π·f·i/rate + phase).
func tone(n, rate int, f, amp, phase float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate)+phase))
	}
	return s
}

// fitTone returns the amplitude of the f Hz component of x (least squares
// over whole samples) and the RMS of what is left.
func fitTone(x []float32, rate int, f float64) (amp, residual float64) {
	var ss, cc, sc, xs, xc float64
	for i, v := range x {
		w := 2 * math.Pi * f * float64(i) / float64(rate)
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		cc += c * c
		sc += s * c
		xs += float64(v) * s
		xc += float64(v) * c
	}
	det := ss*cc - sc*sc
	a := (xs*cc - xc*sc) / det
	b := (xc*ss - xs*sc) / det
	var r float64
	for i, v := range x {
		w := 2 * math.Pi * f * float64(i) / float64(rate)
		d := float64(v) - a*math.Sin(w) - b*math.Cos(w)
		r += d * d
	}
	return math.Hypot(a, b), math.Sqrt(r / float64(len(x)))
}

func TestResamplerTones(t *testing.T) {
	tests := []struct {
		in   int
		f    float64 // passband tone, Hz
		edge int     // output samples to skip at each end
	}{
		{44100, 1000, 200},
		{44100, 6500, 200},
		{48000, 440, 200},
		{48000, 3000, 200},
		{22050, 2500, 200},
		{8000, 1000, 200},
		{8000, 3300, 200},
		{11025, 4000, 200},
		{96000, 5000, 200},
		{44101, 1234, 200}, // coprime with 16000: interpolated phases
		{384000, 3000, 200},
		{1000, 300, 800}, // the filter spans ±44 ms
		{16000, 1000, 0}, // identity
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d_%gHz", tc.in, tc.f), func(t *testing.T) {
			const amp, phase = 0.7, 0.4
			src := tone(max(tc.in/2, 2000), tc.in, tc.f, amp, phase) // ≥ 0.5 s
			got := resampleAll(tc.in, SampleRate, src, 4096)
			if want := (int64(len(src))*SampleRate + int64(tc.in) - 1) / int64(tc.in); int64(len(got)) != want {
				t.Fatalf("%d→16000: %d outputs, want %d", tc.in, len(got), want)
			}
			// Output n is the input at time n/16000 s: compare with the tone
			// sampled at 16 kHz directly.
			want := tone(len(got), SampleRate, tc.f, amp, phase)
			var maxErr float64
			for i := tc.edge; i < len(got)-tc.edge; i++ {
				maxErr = max(maxErr, math.Abs(float64(got[i]-want[i])))
			}
			a, res := fitTone(got[tc.edge:len(got)-tc.edge], SampleRate, tc.f)
			// Shifted start changes the phase, not the amplitude.
			t.Logf("%d→16000 %.0f Hz: amplitude %.6f (%.4f dB), residual %.1f dB, max error %.2g", tc.in, tc.f, a, 20*math.Log10(a/amp), 20*math.Log10(res/amp), maxErr)
			if math.Abs(20*math.Log10(a/amp)) > 0.01 {
				t.Errorf("amplitude %.6f, want %.6f ± 0.01 dB", a, amp)
			}
			if res > amp*1e-3 {
				t.Errorf("residual %.2g: more than -60 dB of other content", res)
			}
			if maxErr > amp*1e-3 {
				t.Errorf("max error %.2g against the ideal 16 kHz tone (timing or frequency off)", maxErr)
			}
		})
	}
}

func TestResamplerStopband(t *testing.T) {
	tests := []struct {
		in     int
		f      float64
		minDB  float64
		reason string
	}{
		{48000, 12000, 60, "above 8 kHz"},
		{48000, 8000, 60, "at the output Nyquist"},
		{44100, 9000, 60, "in the stopband"},
		{44100, 15000, 60, "would alias to 1 kHz"},
		{22050, 10000, 60, "would alias to 6 kHz"},
		{96000, 30000, 60, "far stopband"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			const amp = 0.9
			src := tone(tc.in/2, tc.in, tc.f, amp, 0.3)
			got := resampleAll(tc.in, SampleRate, src, 4096)
			const edge = 400
			var e float64
			for _, v := range got[edge : len(got)-edge] {
				e += float64(v) * float64(v)
			}
			rms := math.Sqrt(e / float64(len(got)-2*edge))
			db := 20 * math.Log10(amp/math.Sqrt2/rms)
			t.Logf("%d Hz at %d: attenuated %.1f dB", int(tc.f), tc.in, db)
			if db < tc.minDB {
				t.Errorf("%.0f Hz at %d Hz attenuated by %.1f dB, want ≥ %.0f dB", tc.f, tc.in, db, tc.minDB)
			}
		})
	}
}

// TestResamplerImages checks that upsampling leaves no image of a tone.
func TestResamplerImages(t *testing.T) {
	const amp, f = 0.8, 3000.0
	src := tone(4000, 8000, f, amp, 0)
	got := resampleAll(8000, SampleRate, src, 4096)
	const edge = 200
	a, res := fitTone(got[edge:len(got)-edge], SampleRate, f)
	image, _ := fitTone(got[edge:len(got)-edge], SampleRate, 8000-f)
	t.Logf("tone %.5f, image %.1f dB, residual %.1f dB", a, 20*math.Log10(image/amp), 20*math.Log10(res/amp))
	if image > amp*math.Pow(10, -60.0/20) {
		t.Errorf("image at %.0f Hz is %.1f dB, want ≤ -60 dB", 8000-f, 20*math.Log10(image/amp))
	}
}

func TestResamplerChunkIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rates := range [][2]int{{44100, 16000}, {48000, 16000}, {8000, 16000}, {22050, 16000}, {44101, 16000}, {16000, 44100}} {
		src := make([]float32, 20011)
		for i := range src {
			src[i] = float32(rng.Float64()*2 - 1)
		}
		ref := resampleAll(rates[0], rates[1], src, len(src))
		for _, chunk := range []int{1, 7, 4096, 5000} {
			got := resampleAll(rates[0], rates[1], src, chunk)
			if len(got) != len(ref) {
				t.Fatalf("%v chunk %d: %d outputs, want %d", rates, chunk, len(got), len(ref))
			}
			for i := range got {
				if got[i] != ref[i] {
					t.Fatalf("%v chunk %d: output %d = %v, want %v", rates, chunk, i, got[i], ref[i])
				}
			}
		}
	}
}

func TestResamplerIdentityAndReset(t *testing.T) {
	src := tone(1000, 16000, 440, 0.5, 0)
	r := NewResampler(16000, 16000)
	got := r.Flush(r.Process(nil, src))
	if len(got) != len(src) {
		t.Fatalf("identity: %d outputs, want %d", len(got), len(src))
	}
	for i := range src {
		if got[i] != src[i] {
			t.Fatalf("identity: sample %d changed", i)
		}
	}

	r = NewResampler(44100, 16000)
	first := r.Flush(r.Process(nil, src))
	r.Reset()
	second := r.Flush(r.Process(nil, src))
	if len(first) != len(second) {
		t.Fatalf("after Reset: %d outputs, want %d", len(second), len(first))
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("after Reset: output %d differs", i)
		}
	}
}

func TestResamplerNoAllocWithCapacity(t *testing.T) {
	r := NewResampler(44100, 16000)
	src := tone(4096, 44100, 1000, 0.5, 0)
	dst := make([]float32, 0, r.MaxOutput(len(src)))
	allocs := testing.AllocsPerRun(50, func() {
		out := r.Process(dst[:0], src)
		if cap(out) != cap(dst) {
			t.Fatal("Process reallocated dst within MaxOutput")
		}
	})
	if allocs != 0 {
		t.Fatalf("Process allocates %v times per call", allocs)
	}
	if out := r.Flush(dst[:0]); cap(out) != cap(dst) {
		t.Fatal("Flush reallocated dst within MaxOutput")
	}
}

func TestResamplerOutputLen(t *testing.T) {
	for _, tc := range []struct {
		in, out int
		n, want int64
	}{
		{44100, 16000, 44100, 16000},
		{44100, 16000, 1, 1},
		{44100, 16000, 0, 0},
		{48000, 16000, 4, 2},
		{8000, 16000, 3, 6},
		{22050, 16000, 441, 320},
		{22050, 16000, 442, 321},
	} {
		r := NewResampler(tc.in, tc.out)
		if got := r.OutputLen(tc.n); got != tc.want {
			t.Errorf("%d→%d OutputLen(%d) = %d, want %d", tc.in, tc.out, tc.n, got, tc.want)
		}
		src := make([]float32, tc.n)
		if got := int64(len(resampleAll(tc.in, tc.out, src, 3))); got != tc.want {
			t.Errorf("%d→%d: %d samples gave %d outputs, want %d", tc.in, tc.out, tc.n, got, tc.want)
		}
	}
}

// TestResamplerKernelCacheBoundedByBytes covers issue 8 item 13: sample
// rates are chosen by whoever uploads the audio, and each new one designs a
// filter table of up to 4 MiB. However many distinct rates arrive, the
// cache keeps at most 16 MiB of tables; the rest is garbage once its
// Resampler is.
func TestResamplerKernelCacheBoundedByBytes(t *testing.T) {
	const budget = 16 << 20
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before := heap()
	var designed int64
	for i := range 14 {
		// Rates near 192 kHz that share little with 16 kHz: ~2 MiB each.
		r := NewResampler(192001+2*i, SampleRate)
		designed += int64(len(r.k.coef)) * 4
	}
	retained := heap() - before
	t.Logf("designed %d MiB of filter tables, %.1f MiB still held", designed>>20, float64(retained)/(1<<20))
	if designed < 2*budget-4<<20 {
		t.Fatalf("the test designed only %d MiB; it needs rates with larger tables", designed>>20)
	}
	if retained > budget+2<<20 {
		t.Errorf("%.1f MiB of filter tables held after their resamplers are gone; the cache may keep %d MiB", float64(retained)/(1<<20), budget>>20)
	}
}

// The cache evicts the least recently used table, not the newest.
func TestResamplerKernelCacheLRU(t *testing.T) {
	const hot = 44100
	k := kernelFor(hot, SampleRate, int64(SampleRate/gcd(hot, SampleRate)))
	var first *resampleKernel
	for i := range 14 {
		in := 192001 + 2*i
		ki := kernelFor(in, SampleRate, int64(SampleRate/gcd(in, SampleRate)))
		if i == 0 {
			first = ki
		}
		// The hot rate is used between the others: it stays.
		if got := kernelFor(hot, SampleRate, int64(SampleRate/gcd(hot, SampleRate))); got != k {
			t.Fatalf("after %d other rates the table of %d Hz, in use all along, was evicted", i+1, hot)
		}
	}
	if again := kernelFor(192001, SampleRate, int64(SampleRate/gcd(192001, SampleRate))); again == first {
		t.Error("the least recently used table (192001 Hz) is still cached after 28 MiB of newer ones")
	}
}
