package pipeline

import (
	"errors"
	"io"
	"time"
)

// decodeChunk is the number of source frames the Decoder reads at a time.
const decodeChunk = 4096

// Decoder turns a WAV stream into 16 kHz mono float32 samples: WAVReader
// then, unless the source is already at SampleRate, Resampler. Its buffers
// are allocated once, in NewDecoder. It is not safe for concurrent use.
type Decoder struct {
	wav  *WAVReader
	rs   *Resampler // nil when the source is at SampleRate
	in   []float32  // source frames
	out  []float32  // resampled samples not yet returned: out[pos:]
	pos  int
	done bool  // the source is exhausted (or failed)
	err  error // returned once out is drained
}

// NewDecoder reads the WAV header from r and returns a decoder of its audio
// at SampleRate. Errors are those of NewWAVReader.
func NewDecoder(r io.Reader) (*Decoder, error) {
	w, err := NewWAVReader(r)
	if err != nil {
		return nil, err
	}
	d := &Decoder{wav: w}
	if rate := w.Info().SampleRate; rate != SampleRate {
		d.rs = NewResampler(rate, SampleRate)
		d.in = make([]float32, decodeChunk)
		d.out = make([]float32, 0, d.rs.MaxOutput(decodeChunk)+d.rs.MaxOutput(0))
	}
	return d, nil
}

// Info returns the source audio's description from its WAV header.
func (d *Decoder) Info() WAVInfo { return d.wav.Info() }

// Duration returns the audio's duration from the WAV header, and false when
// the header does not declare the length (a streamed WAV).
func (d *Decoder) Duration() (time.Duration, bool) {
	info := d.wav.Info()
	return info.Duration, info.Frames >= 0
}

// Samples returns the number of 16 kHz samples Read will return in total,
// from the WAV header, or -1 when the header does not declare the length.
func (d *Decoder) Samples() int64 {
	n := d.wav.Info().Frames
	if n < 0 || d.rs == nil {
		return n
	}
	return d.rs.OutputLen(n)
}

// Read fills dst with the next 16 kHz mono samples in [-1, 1] (resampling
// may overshoot slightly) and returns how many it wrote; io.EOF (with 0
// samples) marks the end. Decode errors are returned after the samples
// before them, as the WAVReader returns them.
func (d *Decoder) Read(dst []float32) (int, error) {
	if d.rs == nil {
		return d.wav.ReadMono(dst)
	}
	n := 0
	for n < len(dst) {
		if d.pos < len(d.out) {
			k := copy(dst[n:], d.out[d.pos:])
			d.pos += k
			n += k
			continue
		}
		if d.done {
			break
		}
		d.out, d.pos = d.out[:0], 0
		m, err := d.wav.ReadMono(d.in)
		if m > 0 {
			d.out = d.rs.Process(d.out, d.in[:m])
		}
		switch {
		case errors.Is(err, io.EOF):
			d.out = d.rs.Flush(d.out)
			d.done, d.err = true, io.EOF
		case err != nil:
			d.done, d.err = true, err
		}
	}
	if n > 0 || len(dst) == 0 {
		return n, nil
	}
	return 0, d.err
}
