package pipeline

import (
	"container/list"
	"fmt"
	"math"
	"sync"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// Resampler filter design. Frequencies are relative to the lower of the two
// rates: the passband ends at 0.90 of its Nyquist frequency and the stopband
// (≥ 70 dB down) starts at its Nyquist frequency, so nothing aliases into
// the output and images of upsampling are removed.
const (
	resampleStopbandDB = 70
	resamplePassband   = 0.90
	// resampleMaxPhases is the largest number of exact polyphase branches
	// (output rate / gcd). Beyond it the filter is tabulated at
	// resampleTablePhases fractional offsets and interpolated linearly
	// (error below -120 dB).
	resampleMaxPhases   = 1024
	resampleTablePhases = 512
	// resampleChunk is the input the history buffer takes per step.
	resampleChunk = 4096
)

// Resampler converts a stream of samples from one rate to another with a
// Kaiser-windowed sinc filter, polyphase over the rational ratio
// outRate/inRate reduced by their gcd. The filter is linear-phase and
// centred on each output instant (output n is the input at time
// n·inRate/outRate, with no delay), and input before the start and after
// the end of the stream is taken as zero. State carries across Process
// calls, so the output does not depend on how the input is chunked. Equal
// rates are an identity that only copies. A Resampler is not safe for
// concurrent use; the filter tables are shared between Resamplers of the
// same rates.
type Resampler struct {
	inRate, outRate int
	identity        bool
	l, m            int64 // outRate/g, inRate/g
	k               *resampleKernel
	hist            []float32 // input samples base .. base+histLen-1
	histLen         int
	base            int64 // absolute index of hist[0]
	q, p            int64 // next output: time q + p/l input samples
	nIn, nOut       int64
	flushed         bool
}

// resampleKernel is the tabulated filter: rows of taps coefficients, one
// row per fractional offset.
type resampleKernel struct {
	h      int // taps = 2h; output at q+frac uses inputs q-h+1 .. q+h
	taps   int
	interp bool // rows are phases/resampleTablePhases, interpolated
	coef   []float32
}

// NewResampler returns a Resampler from inRate to outRate (Hz). It panics
// if a rate is not positive.
func NewResampler(inRate, outRate int) *Resampler {
	if inRate <= 0 || outRate <= 0 {
		panic(fmt.Sprintf("pipeline: NewResampler(%d, %d)", inRate, outRate))
	}
	r := &Resampler{inRate: inRate, outRate: outRate, identity: inRate == outRate}
	if r.identity {
		return r
	}
	g := gcd(inRate, outRate)
	r.l, r.m = int64(outRate/g), int64(inRate/g)
	r.k = kernelFor(inRate, outRate, r.l)
	r.hist = make([]float32, 3*r.k.h+resampleChunk)
	r.Reset()
	return r
}

// Reset returns r to the start of a new stream.
func (r *Resampler) Reset() {
	r.nIn, r.nOut, r.flushed = 0, 0, false
	if r.identity {
		return
	}
	// Indices -(h-1) .. -1 are the zeros before the stream.
	r.histLen = r.k.h - 1
	clear(r.hist[:r.histLen])
	r.base = -int64(r.histLen)
	r.q, r.p = 0, 0
}

// InRate returns the input sample rate.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output sample rate.
func (r *Resampler) OutRate() int { return r.outRate }

// MaxOutput returns an upper bound of the samples one Process call with n
// input samples, or one Flush call (n = 0), appends. A dst with that much
// spare capacity is never reallocated.
func (r *Resampler) MaxOutput(n int) int {
	if r.identity {
		return n
	}
	span := int64(n) + 2*int64(r.k.h)
	return int((span*r.l+r.m-1)/r.m) + 1
}

// OutputLen returns the number of output samples a whole stream of n input
// samples yields: ceil(n·outRate/inRate).
func (r *Resampler) OutputLen(n int64) int64 {
	if r.identity {
		return n
	}
	return (n*r.l + r.m - 1) / r.m
}

// Process consumes all of src and appends to dst every output sample that
// no longer depends on later input, returning the extended slice. It panics
// after Flush (call Reset first).
func (r *Resampler) Process(dst, src []float32) []float32 {
	if r.flushed {
		panic("pipeline: Resampler.Process after Flush")
	}
	if r.identity {
		r.nIn += int64(len(src))
		r.nOut += int64(len(src))
		return append(dst, src...)
	}
	for len(src) > 0 {
		n := copy(r.hist[r.histLen:], src)
		src = src[n:]
		r.histLen += n
		r.nIn += int64(n)
		dst = r.produce(dst, false)
		// Keep only what later outputs need: index q-h+1 onwards.
		drop := min(r.q-int64(r.k.h)+1-r.base, int64(r.histLen))
		if drop > 0 {
			r.histLen = copy(r.hist, r.hist[drop:r.histLen])
			r.base += drop
		}
	}
	return dst
}

// Flush appends the outputs that depend on input past the end of the
// stream, taken as zeros, and returns the extended slice. After Flush the
// Resampler has produced OutputLen(total input) samples; Reset starts a new
// stream.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.flushed || r.identity {
		r.flushed = true
		return dst
	}
	r.flushed = true
	clear(r.hist[r.histLen:])
	return r.produce(dst, true)
}

// produce appends outputs while their input window is available (or, when
// flushing, until the stream's output length is reached).
func (r *Resampler) produce(dst []float32, flush bool) []float32 {
	k := r.k
	h := int64(k.h)
	limit := r.nIn - h // non-flush: outputs need index q+h < nIn
	total := r.OutputLen(r.nIn)
	for {
		if flush {
			if r.nOut >= total {
				break
			}
		} else if r.q >= limit {
			break
		}
		off := int(r.q - h + 1 - r.base)
		x := r.hist[off : off+k.taps]
		var y float32
		if !k.interp {
			row := int(r.p) * k.taps
			y = dot32(k.coef[row:row+k.taps], x)
		} else {
			pos := r.p * resampleTablePhases
			row := int(pos/r.l) * k.taps
			frac := float32(pos%r.l) / float32(r.l)
			y0 := dot32(k.coef[row:row+k.taps], x)
			y1 := dot32(k.coef[row+k.taps:row+2*k.taps], x)
			y = y0 + frac*(y1-y0)
		}
		dst = append(dst, y)
		r.nOut++
		r.p += r.m
		if r.p >= r.l {
			r.q += r.p / r.l
			r.p %= r.l
		}
	}
	return dst
}

// dot32 is Σ a[i]·b[i] over len(a): the filter taps against the input, with
// the AVX2/FMA kernel of whisper/kernel where the CPU has it (3× the
// unrolled Go loop: 14 ms instead of 45 ms per 30 s from 48 kHz).
func dot32(a, b []float32) float32 { return kernel.Dot(a, b[:len(a)]) }

// Kernels are cached by rate pair: a worker sees few distinct rates, and a
// table costs up to about 4 MiB (384 kHz input) and tens of ms to compute.
// The rates come from the audio, so an uploader chooses them: the cache is
// bounded by the bytes of its tables, dropping the least recently used.
// A table evicted while a Resampler still uses it stays alive until that
// Resampler is gone.
var kernelCache struct {
	sync.Mutex
	m     map[[2]int]*list.Element // of *cachedKernel
	lru   list.List                // most recently used first
	bytes int64
}

// kernelCacheBudget is the most bytes of filter tables kept for reuse: the
// common rates (8, 11.025, 22.05, 44.1, 48 kHz) take well under 1 MiB
// together, and four 384 kHz tables fit.
const kernelCacheBudget = 16 << 20

// cachedKernel is an entry of kernelCache.lru.
type cachedKernel struct {
	key [2]int
	k   *resampleKernel
}

// size returns the bytes of k's table.
func (k *resampleKernel) size() int64 { return int64(len(k.coef)) * 4 }

func kernelFor(in, out int, l int64) *resampleKernel {
	key := [2]int{in, out}
	kernelCache.Lock()
	if e, ok := kernelCache.m[key]; ok {
		kernelCache.lru.MoveToFront(e)
		k := e.Value.(*cachedKernel).k
		kernelCache.Unlock()
		return k
	}
	kernelCache.Unlock()
	k := designKernel(in, out, l) // outside the lock: it takes a while
	cacheKernel(key, k)
	return k
}

// cacheKernel adds k to the cache and evicts the least recently used tables
// until the cache is within its budget again.
func cacheKernel(key [2]int, k *resampleKernel) {
	if k.size() > kernelCacheBudget {
		return
	}
	kernelCache.Lock()
	defer kernelCache.Unlock()
	if e, ok := kernelCache.m[key]; ok { // designed concurrently
		kernelCache.lru.MoveToFront(e)
		return
	}
	if kernelCache.m == nil {
		kernelCache.m = make(map[[2]int]*list.Element)
	}
	kernelCache.m[key] = kernelCache.lru.PushFront(&cachedKernel{key: key, k: k})
	kernelCache.bytes += k.size()
	for kernelCache.bytes > kernelCacheBudget {
		old := kernelCache.lru.Remove(kernelCache.lru.Back()).(*cachedKernel)
		delete(kernelCache.m, old.key)
		kernelCache.bytes -= old.k.size()
	}
}

// designKernel tabulates the Kaiser-windowed sinc low-pass for in→out Hz
// with l exact phases.
func designKernel(in, out int, l int64) *resampleKernel {
	// Frequencies in cycles per input sample.
	low := float64(min(in, out))
	fstop := 0.5 * low / float64(in)
	fpass := resamplePassband * fstop
	fc := (fpass + fstop) / 2
	const a = resampleStopbandDB
	beta := 0.1102 * (a - 8.7)
	// Kaiser's length estimate, in input samples.
	length := (a - 7.95) / (2.285 * 2 * math.Pi * (fstop - fpass))
	hw := length / 2
	h := int(math.Ceil(hw))
	k := &resampleKernel{h: h, taps: 2 * h}
	rows := int(l)
	if l > resampleMaxPhases {
		k.interp = true
		rows = resampleTablePhases + 1
	}
	k.coef = make([]float32, rows*k.taps)
	i0beta := besselI0(beta)
	row := make([]float64, k.taps)
	for p := range rows {
		var frac float64
		if k.interp {
			frac = float64(p) / resampleTablePhases
		} else {
			frac = float64(p) / float64(l)
		}
		var sum float64
		for j := range row {
			t := frac + float64(h-1-j) // output time minus input index
			var v float64
			if x := t / hw; x > -1 && x < 1 {
				v = 2 * fc * sinc(2*fc*t) * besselI0(beta*math.Sqrt(1-x*x)) / i0beta
			}
			row[j] = v
			sum += v
		}
		// Unit gain at DC for every phase.
		for j, v := range row {
			k.coef[p*k.taps+j] = float32(v / sum)
		}
	}
	return k
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 500; k++ {
		f := x / (2 * float64(k))
		term *= f * f
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
