package pipeline

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
)

// chirp returns n samples of a linear chirp from f0 to f1 Hz at 16 kHz.
func chirp(n int, f0, f1, amp float64) []float32 {
	s := make([]float32, n)
	dur := float64(n) / SampleRate
	for i := range s {
		tt := float64(i) / SampleRate
		s[i] = float32(amp * math.Sin(2*math.Pi*(f0*tt+(f1-f0)*tt*tt/(2*dur))))
	}
	return s
}

func noise(n int, amp float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(amp * (rng.Float64()*2 - 1))
	}
	return s
}

// compareWithReference checks Mel.Compute against refLogMel.
func compareWithReference(t *testing.T, samples []float32, nMels int, tol float64) {
	t.Helper()
	filters := MelFilters(nMels)
	m, err := NewMel(filters, nMels)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, nMels*FramesPerWindow)
	if err := m.Compute(samples, got); err != nil {
		t.Fatal(err)
	}
	want := refLogMel(samples, filters, nMels)
	var maxDiff float64
	at := 0
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > maxDiff || math.IsNaN(d) {
			maxDiff, at = d, i
		}
	}
	t.Logf("%d samples, %d mels: max |Δ| %.3g at mel %d frame %d (got %v, want %v)", len(samples), nMels, maxDiff, at/FramesPerWindow, at%FramesPerWindow, got[at], want[at])
	if !(maxDiff <= tol) {
		t.Fatalf("max |Δ| %.3g at mel %d frame %d (got %v, want %v), want ≤ %g", maxDiff, at/FramesPerWindow, at%FramesPerWindow, got[at], want[at], tol)
	}
}

func TestMelMatchesReference(t *testing.T) {
	tests := []struct {
		name    string
		samples []float32
		nMels   int
	}{
		{"noise full window", noise(SamplesPerWindow, 0.5, 1), 80},
		{"chirp 12 s", chirp(12*SampleRate, 50, 7950, 0.6), 80},
		{"chirp full window 128 mels", chirp(SamplesPerWindow, 7900, 20, 0.3), 128},
		{"short burst", noise(1000, 0.9, 2), 80},
		{"ends just before the reflected tail", noise(SamplesPerWindow-NFFT/2-1, 0.2, 3), 80},
		{"ends inside the reflected tail", noise(SamplesPerWindow-50, 0.2, 4), 80},
		{"one sample", []float32{0.5}, 80},
		{"silence", nil, 80},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			compareWithReference(t, tc.samples, tc.nMels, 1e-5)
		})
	}
}

func TestMelJFK(t *testing.T) {
	f, err := os.Open(fixtureFile(t, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := OpenAudio(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := d.Info()
	if info.SampleRate != 16000 || info.Channels() != 1 || info.Codec != "wav/pcm16" || info.Frames != 176000 {
		t.Fatalf("jfk.wav info %+v, want 16 kHz mono 16-bit 176000 frames", info)
	}
	if dur, ok := d.Duration(); !ok || dur.Seconds() != 11 {
		t.Fatalf("Duration() = %v, %v; want 11s, true", dur, ok)
	}
	samples := make([]float32, SamplesPerWindow)
	n := 0
	for {
		k, err := d.Read(samples[n:])
		n += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 176000 {
		t.Fatalf("decoded %d samples, want 176000", n)
	}
	compareWithReference(t, samples[:n], 80, 1e-5)
}

func TestMelFiltersMatchWhisperCpp(t *testing.T) {
	for _, name := range []string{"for-tests-ggml-tiny.en.bin", "for-tests-ggml-base.bin"} {
		t.Run(name, func(t *testing.T) {
			nMels, want, err := ggmlMelFilters(fixtureFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if nMels != 80 {
				t.Fatalf("n_mels %d, want 80", nMels)
			}
			got := MelFilters(nMels)
			var maxDiff, maxVal float64
			exact := 0
			for i := range want {
				maxVal = max(maxVal, float64(want[i]))
				maxDiff = max(maxDiff, math.Abs(float64(got[i])-float64(want[i])))
				if got[i] == want[i] {
					exact++
				}
				if (got[i] == 0) != (want[i] == 0) {
					t.Fatalf("mel %d bin %d: %v, want %v (support differs)", i/NFreqs, i%NFreqs, got[i], want[i])
				}
			}
			t.Logf("max |Δ| %.3g (largest weight %.4g), %d of %d values bit-exact", maxDiff, maxVal, exact, len(want))
			if maxDiff > 1e-8 {
				t.Fatalf("max |Δ| %.3g, want ≤ 1e-8", maxDiff)
			}
		})
	}
}

func TestMelFiltersSlaney(t *testing.T) {
	for _, nMels := range []int{80, 128} {
		f := MelFilters(nMels)
		if len(f) != nMels*NFreqs {
			t.Fatalf("MelFilters(%d) has %d values, want %d", nMels, len(f), nMels*NFreqs)
		}
		prevPeak := -1
		for m := range nMels {
			row := f[m*NFreqs : (m+1)*NFreqs]
			lo, hi, peak := -1, -1, 0
			var sum float64
			for k, v := range row {
				if v < 0 || math.IsNaN(float64(v)) {
					t.Fatalf("%d mels: filter %d bin %d = %v", nMels, m, k, v)
				}
				if v > 0 {
					if lo < 0 {
						lo = k
					}
					hi = k
				}
				if v > row[peak] {
					peak = k
				}
				sum += float64(v)
			}
			if lo < 0 {
				t.Fatalf("%d mels: filter %d is empty", nMels, m)
			}
			for k := lo; k <= hi; k++ {
				if row[k] == 0 {
					t.Fatalf("%d mels: filter %d has a hole at bin %d", nMels, m, k)
				}
			}
			if peak < prevPeak {
				t.Fatalf("%d mels: filter %d peaks at bin %d, before filter %d (%d)", nMels, m, peak, m-1, prevPeak)
			}
			prevPeak = peak
			// Slaney normalisation: each triangle has unit area in Hz, so
			// wide filters (≥ 8 bins) sum to ≈ 1/(40 Hz per bin).
			if hi-lo >= 8 {
				if area := sum * SampleRate / NFFT; math.Abs(area-1) > 0.02 {
					t.Fatalf("%d mels: filter %d has area %.4f, want 1", nMels, m, area)
				}
			}
		}
		if last := f[(nMels-1)*NFreqs : nMels*NFreqs]; last[NFreqs-1] != 0 {
			t.Fatalf("%d mels: the top filter reaches 8 kHz with weight %v, want 0", nMels, last[NFreqs-1])
		}
	}
}

// TestMelWorkersAgree checks that the split across goroutines does not
// change the result.
func TestMelWorkersAgree(t *testing.T) {
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	samples := chirp(20*SampleRate, 100, 7000, 0.5)
	var ref []float32
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 7, 64} {
		runtime.GOMAXPROCS(procs)
		out := make([]float32, 80*FramesPerWindow)
		if err := m.Compute(samples, out); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = out
			continue
		}
		for i := range out {
			if out[i] != ref[i] {
				t.Fatalf("GOMAXPROCS %d: value %d = %v, with 1 worker %v", procs, i, out[i], ref[i])
			}
		}
	}
}

// TestMelConcurrentCompute runs Compute on one Mel from several goroutines
// (run with -race).
func TestMelConcurrentCompute(t *testing.T) {
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	inputs := [][]float32{noise(SamplesPerWindow, 0.3, 7), chirp(5*SampleRate, 200, 6000, 0.5), noise(3000, 0.1, 8), nil}
	want := make([][]float32, len(inputs))
	for i, in := range inputs {
		want[i] = make([]float32, 80*FramesPerWindow)
		if err := m.Compute(in, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]float32, 80*FramesPerWindow)
			for rep := range 3 {
				i := (g + rep) % len(inputs)
				if err := m.Compute(inputs[i], out); err != nil {
					errs <- err.Error()
					return
				}
				for j := range out {
					if out[j] != want[i][j] {
						errs <- "concurrent Compute differs from sequential"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestMelErrors(t *testing.T) {
	if _, err := NewMel(MelFilters(80), 128); err == nil {
		t.Error("NewMel accepted 80 filters as 128")
	}
	if _, err := NewMel(nil, 0); err == nil {
		t.Error("NewMel accepted 0 mels")
	}
	bad := MelFilters(80)
	bad[5] = float32(math.NaN())
	if _, err := NewMel(bad, 80); err == nil {
		t.Error("NewMel accepted a NaN filter")
	}
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compute(make([]float32, SamplesPerWindow+1), make([]float32, 80*FramesPerWindow)); err == nil {
		t.Error("Compute accepted more than one window")
	}
	if err := m.Compute(nil, make([]float32, 80*FramesPerWindow-1)); err == nil {
		t.Error("Compute accepted a short output")
	}
	if m.NMels() != 80 {
		t.Errorf("NMels() = %d", m.NMels())
	}
}

func TestMelAllocations(t *testing.T) {
	m, err := NewMel(MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	in := noise(SamplesPerWindow, 0.3, 9)
	out := make([]float32, 80*FramesPerWindow)
	allocs := testing.AllocsPerRun(5, func() {
		if err := m.Compute(in, out); err != nil {
			t.Fatal(err)
		}
	})
	// A few goroutine closures at most; no buffers.
	if limit := float64(2 + runtime.GOMAXPROCS(0)); allocs > limit {
		t.Fatalf("Compute allocates %v times per call, want ≤ %v", allocs, limit)
	}
}

func TestLog10Pos(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	xs := []float64{1e-10, 1, 2, math.Sqrt2, math.Nextafter(math.Sqrt2, 2), 0.5, 10, 1e10, 123.456, math.MaxFloat64, 0x1p-1022}
	for range 100000 {
		xs = append(xs, math.Exp(rng.Float64()*80-40))
	}
	for _, x := range xs {
		got, want := log10Pos(x), math.Log10(x)
		if d := math.Abs(got - want); d > 1e-14*math.Max(1, math.Abs(want)) {
			t.Fatalf("log10Pos(%g) = %.17g, want %.17g", x, got, want)
		}
	}
}
