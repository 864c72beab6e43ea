package pipeline

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Whisper's audio front end, from openai/whisper audio.py.
const (
	// SampleRate is the sample rate Whisper expects, in Hz.
	SampleRate = 16000
	// NFFT is the STFT frame (and FFT) length in samples (25 ms).
	NFFT = 400
	// NFreqs is the number of frequency bins of one STFT frame, NFFT/2+1.
	NFreqs = NFFT/2 + 1
	// HopLength is the STFT hop in samples (10 ms).
	HopLength = 160
	// FramesPerWindow is the number of mel frames of one 30 s window.
	FramesPerWindow = 3000
	// SamplesPerWindow is the number of samples of one 30 s window.
	SamplesPerWindow = FramesPerWindow * HopLength
)

// melMinFramesPerWorker keeps Compute from splitting tiny amounts of work
// across goroutines.
const melMinFramesPerWorker = 64

// Mel computes Whisper log-mel spectrograms of 30 s windows. It holds the
// filterbank (as sparse rows), the Hann window and the FFT plan, all
// immutable, and a pool of per-goroutine scratch, so one Mel serves any
// number of concurrent Compute calls.
type Mel struct {
	nMels  int
	fft    *realFFT
	window [NFFT]float64
	rows   []melRow
	pool   sync.Pool // *melScratch
}

// melRow is the non-zero run of one mel filter.
type melRow struct {
	lo int       // first bin
	w  []float64 // weights of bins lo, lo+1, ...
}

// melScratch is one goroutine's working memory.
type melScratch struct {
	y     [NFFT / 2]complex128
	frame [NFFT]float32
	power [NFreqs]float64
}

// NewMel returns a Mel for the given filterbank: nMels×NFreqs float32,
// row-major [mel][bin] (as MelFilters returns and as ggml model files store
// it).
func NewMel(filters []float32, nMels int) (*Mel, error) {
	if nMels < 1 {
		return nil, fmt.Errorf("mel: %d mel bands", nMels)
	}
	if len(filters) != nMels*NFreqs {
		return nil, fmt.Errorf("mel: filterbank has %d values, want %d mels × %d bins = %d", len(filters), nMels, NFreqs, nMels*NFreqs)
	}
	f, err := newRealFFT(NFFT)
	if err != nil {
		return nil, fmt.Errorf("mel: %w", err)
	}
	m := &Mel{nMels: nMels, fft: f, rows: make([]melRow, nMels)}
	m.pool.New = func() any { return new(melScratch) }
	for i := range m.window {
		// torch.hann_window(NFFT), periodic.
		m.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/NFFT)
	}
	for i := range nMels {
		row := filters[i*NFreqs : (i+1)*NFreqs]
		lo, hi := 0, 0
		for k, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("mel: filter %d bin %d is %v", i, k, v)
			}
			if v != 0 {
				if hi == 0 {
					lo = k
				}
				hi = k + 1
			}
		}
		w := make([]float64, hi-lo)
		for k := range w {
			w[k] = float64(row[lo+k])
		}
		m.rows[i] = melRow{lo: lo, w: w}
	}
	return m, nil
}

// NMels returns the number of mel bands.
func (m *Mel) NMels() int { return m.nMels }

// Compute writes the log-mel spectrogram of one 30 s window to out, which
// must have length NMels()×FramesPerWindow, laid out [mel][frame] (frame
// fastest, as whisper.cpp lays out its mel). samples holds at most
// SamplesPerWindow samples at 16 kHz; a shorter window is treated as
// zero-padded to SamplesPerWindow, as Whisper pads audio with zeros.
//
// The definition is openai/whisper's log_mel_spectrogram: a periodic Hann
// window of NFFT, a centred STFT (reflect padding of NFFT/2 at both ends of
// the window) with hop HopLength, the last frame dropped, power |X|², the
// mel filterbank, log10(max(x, 1e-10)), x = max(x, max(x) - 8), and
// (x + 4) / 4. The maximum is taken over this window only (Whisper takes it
// over the whole padded recording), and the reflect padding at a window's
// edges uses the window's own samples rather than its neighbours'.
//
// The frames are split across runtime.GOMAXPROCS goroutines, which have all
// exited when Compute returns. Compute is safe for concurrent use and does
// not allocate beyond its goroutines (scratch comes from a pool).
func (m *Mel) Compute(samples []float32, out []float32) error {
	if len(samples) > SamplesPerWindow {
		return fmt.Errorf("mel: %d samples, more than one window of %d", len(samples), SamplesPerWindow)
	}
	if want := m.nMels * FramesPerWindow; len(out) != want {
		return fmt.Errorf("mel: output has %d values, want %d mels × %d frames = %d", len(out), m.nMels, FramesPerWindow, want)
	}
	// Frames past the audio see only zeros: their log-mel is log10(1e-10).
	active := FramesPerWindow
	if len(samples) <= SamplesPerWindow-NFFT/2-1 {
		// Frame t starts at t·HopLength - NFFT/2; reflection at the window's
		// end only mirrors samples at or past SamplesPerWindow-NFFT/2-1.
		active = min(FramesPerWindow, (len(samples)+NFFT/2+HopLength-1)/HopLength)
	}

	workers := min(runtime.GOMAXPROCS(0), max(1, active/melMinFramesPerWorker))
	var maxes [64]float64
	workers = min(workers, len(maxes))
	if workers <= 1 {
		maxes[0] = m.frames(samples, out, 0, active)
	} else {
		var wg sync.WaitGroup
		for w := 1; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				maxes[w] = m.frames(samples, out, w*active/workers, (w+1)*active/workers)
			}()
		}
		maxes[0] = m.frames(samples, out, 0, active/workers)
		wg.Wait()
	}
	mx := maxes[0]
	for _, v := range maxes[1:workers] {
		mx = max(mx, v)
	}
	if active < FramesPerWindow {
		mx = max(mx, -10)
	}
	// x = max(x, max-8); (x+4)/4, with the silent tail filled in.
	floor := float32(mx - 8)
	silent := (max(-10, floor) + 4) / 4
	for i := range m.nMels {
		row := out[i*FramesPerWindow : (i+1)*FramesPerWindow]
		for t, v := range row[:active] {
			row[t] = (max(v, floor) + 4) / 4
		}
		for t := active; t < len(row); t++ {
			row[t] = silent
		}
	}
	return nil
}

// frames computes log10 mel energies of frames [t0, t1) into out and returns
// their maximum.
func (m *Mel) frames(samples []float32, out []float32, t0, t1 int) float64 {
	sc := m.pool.Get().(*melScratch)
	defer m.pool.Put(sc)
	mx := math.Inf(-1)
	for t := t0; t < t1; t++ {
		start := t*HopLength - NFFT/2
		var x []float32
		if start >= 0 && start+NFFT <= len(samples) {
			x = samples[start : start+NFFT]
		} else {
			for j := range sc.frame {
				sc.frame[j] = paddedSample(samples, start+j)
			}
			x = sc.frame[:]
		}
		m.fft.power(sc.power[:], x, m.window[:], sc.y[:])
		for i, r := range m.rows {
			p := sc.power[r.lo : r.lo+len(r.w)]
			var s float64
			for k, w := range r.w {
				s += w * p[k]
			}
			v := log10Pos(max(s, 1e-10))
			if v > mx {
				mx = v
			}
			out[i*FramesPerWindow+t] = float32(v)
		}
	}
	return mx
}

// log10Pos returns log10(x) for a positive normal x, to within 1e-14
// relative (math.Log10 handles special values this hot path never sees, and
// costs twice as much). x = m·2^e with m in [√½, √2); ln m = 2·atanh(s),
// s = (m-1)/(m+1), |s| < 0.172, summed to s¹⁹.
func log10Pos(x float64) float64 {
	const (
		ln2     = 0.693147180559945309417232121458176568
		invLn10 = 0.434294481903251827651128918916605082
	)
	b := math.Float64bits(x)
	e := int64(b>>52&0x7ff) - 1023
	m := math.Float64frombits(b&(1<<52-1) | 1023<<52) // [1, 2)
	if m > math.Sqrt2 {
		m *= 0.5
		e++
	}
	s := (m - 1) / (m + 1)
	z := s * s
	p := 1 + z*(1.0/3+z*(1.0/5+z*(1.0/7+z*(1.0/9+z*(1.0/11+z*(1.0/13+z*(1.0/15+z*(1.0/17+z*(1.0/19)))))))))
	return (float64(e)*ln2 + 2*s*p) * invLn10
}

// paddedSample returns sample i of the window samples zero-padded to
// SamplesPerWindow and reflect-padded by NFFT/2 at both ends.
func paddedSample(samples []float32, i int) float32 {
	if i < 0 {
		i = -i
	}
	if i >= SamplesPerWindow {
		i = 2*(SamplesPerWindow-1) - i
	}
	if i < len(samples) {
		return samples[i]
	}
	return 0
}
