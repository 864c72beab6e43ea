package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
	"github.com/xdna-worker/xdna-worker/job"
)

// decodeChunk is the number of source frames the Decoder mixes at a time.
const decodeChunk = 4096

// Decoder turns audio of any format into 16 kHz mono float32 samples:
// audio.Open recognises and decodes it, pcm.Mono mixes it down as ffmpeg's
// `-ac 1` does, and a Resampler brings it to SampleRate. Its buffers are
// allocated once, in OpenAudio. Errors carry job codes (audio_decode,
// unsupported_format, audio_too_long); errors of the underlying file carry
// none. It is not safe for concurrent use.
type Decoder struct {
	src  *audio.Decoder
	mono *pcm.Mono
	rs   *Resampler // nil when the source is at SampleRate
	in   []float32  // source frames
	out  []float32  // resampled samples not yet returned: out[pos:]
	pos  int
	done bool  // the source is exhausted (or failed)
	err  error // returned once out is drained
}

// OpenAudio opens the audio in r (size bytes; 0 if unknown) and returns a
// decoder of it at SampleRate. It must be closed: an ffmpeg child may run
// behind it (audio.WithFFmpeg).
func OpenAudio(ctx context.Context, r audio.Input, size int64, opts ...audio.Option) (*Decoder, error) {
	src, err := audio.Open(ctx, r, size, opts...)
	if err != nil {
		return nil, audioError(err)
	}
	d := &Decoder{src: src, mono: pcm.NewMono(src)}
	if rate := src.Info().SampleRate; rate != SampleRate {
		d.rs = NewResampler(rate, SampleRate)
		d.in = make([]float32, decodeChunk)
		d.out = make([]float32, 0, d.rs.MaxOutput(decodeChunk)+d.rs.MaxOutput(0))
	}
	return d, nil
}

// audioError gives a decoding error the job code it maps to.
func audioError(err error) error {
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return err
	case errors.Is(err, ffmpeg.ErrTooLong):
		return job.WithCode(job.CodeAudioTooLong, err)
	case errors.Is(err, pcm.ErrMalformed):
		return job.WithCode(job.CodeAudioDecode, err)
	case errors.Is(err, pcm.ErrUnsupported):
		return job.WithCode(job.CodeUnsupportedFormat, err)
	}
	return err
}

// Close stops the decode (an ffmpeg child, if one runs).
func (d *Decoder) Close() error { return d.src.Close() }

// Info describes the source audio, before mixing and resampling.
func (d *Decoder) Info() pcm.Info { return d.src.Info() }

// Format returns the container format that was recognised.
func (d *Decoder) Format() audio.Format { return d.src.Format() }

// Duration returns the audio's duration from its header, and false when the
// header does not declare the length.
func (d *Decoder) Duration() (time.Duration, bool) { return d.src.Info().Duration() }

// Samples returns the number of 16 kHz samples Read will return in total,
// from the header, or -1 when the header does not declare the length.
func (d *Decoder) Samples() int64 {
	n := d.src.Info().Frames
	if n < 0 || d.rs == nil {
		return n
	}
	return d.rs.OutputLen(n)
}

// Read fills dst with the next 16 kHz mono samples in [-1, 1] (resampling
// may overshoot slightly) and returns how many it wrote; io.EOF (with 0
// samples) marks the end. Decode errors are returned after the samples
// before them.
func (d *Decoder) Read(dst []float32) (int, error) {
	if d.rs == nil {
		n, err := d.mono.Read(dst)
		return n, audioError(err)
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
		m, err := d.mono.Read(d.in)
		if m > 0 {
			d.out = d.rs.Process(d.out, d.in[:m])
		}
		switch {
		case errors.Is(err, io.EOF):
			d.out = d.rs.Flush(d.out)
			d.done, d.err = true, io.EOF
		case err != nil:
			d.done, d.err = true, audioError(err)
		}
	}
	if n > 0 || len(dst) == 0 {
		return n, nil
	}
	return 0, d.err
}

// String names the source for logs: format, codec, rate and channels.
func (d *Decoder) String() string {
	i := d.src.Info()
	return fmt.Sprintf("%s (%s, %d Hz, %d ch)", d.src.Format(), i.Codec, i.SampleRate, i.Channels())
}
