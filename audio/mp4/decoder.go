package mp4

import (
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// MaxSampleSize is the largest access unit the decoder reads, in bytes. An
// AAC access unit is at most 768 bytes per channel, an MP3 frame at most
// 2881 bytes.
const MaxSampleSize = 1 << 16

// Decoder decodes the sound track of an MP4, M4A, 3GP or QuickTime file.
// It reads the file through a few fixed windows and one buffer of at most
// MaxSampleSize bytes, seeking as the sample tables direct. It is not safe
// for concurrent use.
type Decoder struct {
	demux  *demuxer
	info   pcm.Info
	codec  *codec
	stream pcm.Decoder // the stream codec's decoder, or nil
	skip   int64       // decoded frames still to drop
	count  int         // access units decoded, for errors
	data   []byte      // the access unit being decoded
	block  [][]float32 // the slices Next returns
	err    error       // sticky: returned by every later Next

	// The first block, decoded by NewDecoder, for the first Next.
	primed   bool
	first    [][]float32
	firstErr error
}

// NewDecoder reads the boxes of an ISO base media file (MP4, M4A, 3GP,
// QuickTime MOV; the moov box before or after the media data; fragmented
// or not) and returns a decoder of its first sound track that has samples.
// AAC-LC and MP3 are decoded; other codecs give an error wrapping
// pcm.ErrUnsupported that names them, as do edit lists that play more
// than one segment. NewDecoder decodes the first access unit, so that a
// stream needing a codec tool that is not implemented (SBR signalled only
// in the access units) is refused here too. A file that breaks the format
// gives an error wrapping pcm.ErrMalformed; an error of r is returned
// wrapped.
//
// Info.Frames is the number of frames Next will return, computed from the
// sample tables and the edit list, or -1 when the file is fragmented.
func NewDecoder(r io.ReadSeeker) (pcm.Decoder, error) {
	return newDecoder(r, newCodec)
}

// newDecoder is NewDecoder with the codec made by open.
func newDecoder(r io.ReadSeeker, open func(sampleEntry) (*codec, error)) (*Decoder, error) {
	src, err := newSource(r)
	if err != nil {
		return nil, err
	}
	dm, err := openDemuxer(src)
	if err != nil {
		return nil, err
	}
	c, err := open(dm.entry)
	if err != nil {
		return nil, err
	}
	if err := dm.prepare(); err != nil {
		return nil, err
	}
	d := &Decoder{demux: dm, codec: c, skip: dm.plan.skipTime}
	if c.stream != nil {
		if d.stream, c.frameLength, err = c.stream(&unitReader{demux: dm, count: &d.count}); err != nil {
			return nil, err
		}
		c.rate, c.layout = d.stream.Info().SampleRate, d.stream.Info().Layout
	}
	d.block = make([][]float32, len(c.layout))
	d.info = pcm.Info{Codec: c.name, SampleRate: c.rate, Layout: c.layout, Frames: -1}
	if dm.fragments == nil {
		d.info.Frames = max(int64(dm.plan.decoded)*int64(c.frameLength)-d.skip, 0)
	}
	// Decode the first block now: a stream that needs a tool the codec
	// lacks (say SBR signalled only inside the access units) is then
	// refused here, where the caller can still hand the file to ffmpeg.
	d.first, d.firstErr = d.next()
	d.primed = true
	if errors.Is(d.firstErr, pcm.ErrUnsupported) {
		return nil, d.firstErr
	}
	return d, nil
}

// Info describes the stream.
func (d *Decoder) Info() pcm.Info { return d.info }

// Next decodes the next access unit and returns its frames, less any the
// edit list drops. At the end it returns nil, io.EOF.
func (d *Decoder) Next() ([][]float32, error) {
	if d.primed {
		d.primed = false
		return d.first, d.firstErr
	}
	return d.next()
}

// next decodes access units until one yields frames the edit list keeps.
func (d *Decoder) next() ([][]float32, error) {
	if d.err != nil {
		return nil, d.err
	}
	for {
		out, err := d.decodeNext()
		if err != nil {
			d.err = err
			return nil, err
		}
		if len(out) != len(d.block) || len(out) == 0 {
			d.err = malformed("access unit %d decoded to %d channels, not %d", d.count, len(out), len(d.block))
			return nil, d.err
		}
		n := int64(len(out[0]))
		if d.skip >= n {
			d.skip -= n
			continue
		}
		for c := range out {
			d.block[c] = out[c][d.skip:]
		}
		d.skip = 0
		return d.block, nil
	}
}

// decodeNext decodes the next access unit, or, with a stream codec, the
// next block of the stream.
func (d *Decoder) decodeNext() ([][]float32, error) {
	if d.stream != nil {
		out, err := d.stream.Next()
		if err != nil && d.count > 0 && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("mp4: after access unit %d: %w", d.count, err)
		}
		return out, err
	}
	s, err := d.demux.nextSample()
	if err != nil {
		return nil, err
	}
	return d.decode(s)
}

// decode reads the access unit s and decodes it.
func (d *Decoder) decode(s sample) ([][]float32, error) {
	d.count++
	var err error
	if d.data, err = readUnit(d.demux.src, s, d.data, d.count); err != nil {
		return nil, err
	}
	out, err := d.codec.frames.Decode(d.data)
	if err != nil {
		if errors.Is(err, pcm.ErrMalformed) || errors.Is(err, pcm.ErrUnsupported) {
			return nil, fmt.Errorf("mp4: access unit %d: %w", d.count, err)
		}
		return nil, fmt.Errorf("mp4: access unit %d: %w: %w", d.count, err, pcm.ErrMalformed)
	}
	return out, nil
}
