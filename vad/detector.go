package vad

import (
	"context"
	"fmt"

	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// batchChunks is how many chunks go through the STFT and the encoder
// together (about 24 KiB of scratch per chunk).
const batchChunks = 64

// Detector computes speech probabilities for one stream at a time. It holds
// the LSTM state and scratch buffers, so it is not safe for concurrent use;
// make one per goroutine with Model.NewDetector.
type Detector struct {
	m    *Model
	num  Numerics
	s    scratch
	lstm lstm
}

// scratch is a Detector's working memory for one batch of chunks.
type scratch struct {
	pad  []float32 // one reflect-padded chunk
	fr   []float32 // frames: batch·nFrames × nFFT
	spec []float32 // STFT: batch·nFrames × 2·nBins
	mag  []float32 // magnitudes: batch·nFrames × nBins
	col  []float32 // im2col of the current convolution
	colH []uint16  // col or fr in binary16 (NumericsHalf with AVX512-FP16)
	act  [4][]float32
	enc  []float32 // encoder output: batch × hidden (a view of act[3])
	gx   []float32 // W_ih·enc + b_ih: batch × gates
}

// NewDetector returns a Detector for the model, its buffers allocated.
// Options choose its numerics (WithNumerics); the default is NumericsHalf.
func (m *Model) NewDetector(opts ...DetectorOption) *Detector {
	var cfg detectorConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.numerics > NumericsFloat {
		panic(fmt.Sprintf("vad: NewDetector with unknown numerics %d", uint8(cfg.numerics)))
	}
	b := batchChunks
	d := &Detector{m: m, num: cfg.numerics}
	s := &d.s
	s.pad = make([]float32, ChunkSamples+2*padReflect)
	s.fr = make([]float32, b*nFrames*nFFT)
	s.spec = make([]float32, b*nFrames*2*nBins)
	s.mag = make([]float32, b*nFrames*nBins)
	t, col := nFrames, 0
	for i := range m.conv {
		c := &m.conv[i]
		tout := c.outLen(t)
		col = max(col, b*tout*c.kernel*c.in)
		s.act[i] = make([]float32, b*tout*c.out)
		t = tout
	}
	s.col = make([]float32, col)
	if d.num == NumericsHalf && haveFP16 {
		s.colH = make([]uint16, max(col, len(s.fr)))
	}
	s.gx = make([]float32, b*gates)
	return d
}

// Chunks is the number of probabilities for n samples: one per
// ChunkSamples, the last chunk zero-padded.
func Chunks(n int) int { return (n + ChunkSamples - 1) / ChunkSamples }

// Probabilities returns the speech probability of every ChunkSamples-sample
// chunk of samples (16 kHz mono, full scale ±1), the last chunk
// zero-padded, with the LSTM state reset first: whisper.cpp's
// whisper_vad_detect_speech. It stops with ctx's error between batches.
func (d *Detector) Probabilities(ctx context.Context, samples []float32) ([]float32, error) {
	return d.AppendProbabilities(ctx, nil, samples)
}

// AppendProbabilities is Probabilities appending to dst; with room in dst
// it allocates nothing.
func (d *Detector) AppendProbabilities(ctx context.Context, dst, samples []float32) ([]float32, error) {
	d.Reset()
	return d.Continue(ctx, dst, samples, true)
}

// Numerics returns how the Detector sums the F16 products.
func (d *Detector) Numerics() Numerics { return d.num }

// Reset clears the LSTM state: the next Continue starts a new stream.
func (d *Detector) Reset() { d.lstm.reset() }

// Continue appends the probabilities of the chunks of samples to dst,
// carrying the LSTM state on from the previous call (Reset starts afresh),
// so a long stream can be fed in blocks: the probabilities are those of one
// AppendProbabilities over the whole stream as long as every block but the
// last holds a whole number of chunks (ErrBlock otherwise). It stops with
// ctx's error between batches.
func (d *Detector) Continue(ctx context.Context, dst, samples []float32, last bool) ([]float32, error) {
	if !last && len(samples)%ChunkSamples != 0 {
		return dst, fmt.Errorf("%w: %d samples is not a whole number of %d-sample chunks", ErrBlock, len(samples), ChunkSamples)
	}
	n := Chunks(len(samples))
	for first := 0; first < n; first += batchChunks {
		if err := ctx.Err(); err != nil {
			return dst, fmt.Errorf("vad: stopped after %d of %d chunks: %w", first, n, err)
		}
		dst = d.batch(dst, samples, first, min(batchChunks, n-first))
	}
	return dst, nil
}

// batch appends the probabilities of chunks [first, first+n).
func (d *Detector) batch(dst, samples []float32, first, n int) []float32 {
	m, s := d.m, &d.s
	for b := range n {
		lo := (first + b) * ChunkSamples
		x := samples[lo:min(lo+ChunkSamples, len(samples))]
		frames(s.fr[b*nFrames*nFFT:(b+1)*nFrames*nFFT], x, s.pad)
	}
	m.stft(s, n*nFrames, d.num)
	m.encode(s, n, d.num)
	kernel.MatMulTBias(s.gx[:n*gates], s.enc, m.wIH, m.bIH, n, gates, hidden)
	for b := range n {
		dst = append(dst, m.step(&d.lstm, s.gx[b*gates:(b+1)*gates], d.num))
	}
	return dst
}
