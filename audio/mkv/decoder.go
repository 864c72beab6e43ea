package mkv

import (
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// decoder is the pcm.Decoder of a Matroska or WebM file's audio track.
type decoder struct {
	info  pcm.Info
	demux *demuxer
	codec codec
	trim  trimmer
	view  [][]float32 // the trimmed channels returned by Next
	err   error       // sticky
}

// NewDecoder reads the headers of the Matroska or WebM file that starts at
// r's current position and ends at r's end, and returns a decoder of its
// first audio track, which must be Opus or Vorbis. It reads the file
// sequentially, seeking forward over what it skips, and keeps one block in
// memory.
//
// A file that is not Matroska, or an audio track in another codec, or
// compressed or encrypted, gives an error wrapping pcm.ErrUnsupported; a
// file that breaks the format's rules, or is truncated, one wrapping
// pcm.ErrMalformed. Errors of r are returned wrapped.
//
// Info.Frames is -1: a Segment's Duration is in TimestampScale units (1 ms
// by default, 48 samples of Opus) and muxers count the codec delay in it,
// so it does not give the exact length.
func NewDecoder(r io.ReadSeeker) (pcm.Decoder, error) {
	d, err := newDecoder(r, openCodec)
	if err != nil {
		return nil, err // not a nil *decoder in a non-nil interface
	}
	return d, nil
}

// newDecoder is NewDecoder with the function that makes the codec of the
// audio track (the tests give their own).
func newDecoder(r io.ReadSeeker, open func(*track) (codecSetup, error)) (*decoder, error) {
	e, err := newEBMLReader(r)
	if err != nil {
		return nil, err
	}
	docType, err := readEBMLHeader(e)
	if err != nil {
		return nil, err
	}
	seg, err := readSegmentHeader(e, docType)
	if err != nil {
		return nil, err
	}
	t := seg.tracks.audio
	if t == nil {
		return nil, malformed("the file has no audio track")
	}
	c, err := open(t)
	if err != nil {
		return nil, err
	}
	switch n := len(c.layout); {
	case n == 0:
		return nil, malformed("the %s track has no channels", c.name)
	case n > pcm.MaxChannels:
		return nil, unsupported("the %s track has %d channels; at most %d are decoded", c.name, n, pcm.MaxChannels)
	case c.rate < pcm.MinSampleRate || c.rate > pcm.MaxSampleRate:
		return nil, unsupported("the %s track's sample rate %d Hz is outside %d..%d Hz", c.name, c.rate, pcm.MinSampleRate, pcm.MaxSampleRate)
	}
	return &decoder{
		info: pcm.Info{
			Codec:      docType + "/" + c.name,
			SampleRate: c.rate,
			Layout:     c.layout,
			Frames:     -1,
		},
		demux: newDemuxer(e, seg, t),
		codec: c.codec,
		trim:  trimmer{rate: int64(c.rate), skip: int64(c.preSkip)},
		view:  make([][]float32, len(c.layout)),
	}, nil
}

// Info describes the audio track.
func (d *decoder) Info() pcm.Info { return d.info }

// Next decodes frames of the track until one yields samples once trimmed,
// and returns them.
func (d *decoder) Next() ([][]float32, error) {
	if d.err != nil {
		return nil, d.err
	}
	for {
		p, err := d.demux.nextPacket()
		if err != nil {
			d.err = err
			return nil, err
		}
		out, err := d.codec.Decode(p.data)
		if err != nil {
			d.err = fmt.Errorf("mkv: frame %d of the block at offset %d: %w", p.lace, p.off, err)
			return nil, d.err
		}
		n, err := d.check(out)
		if err != nil {
			d.err = err
			return nil, err
		}
		from, to := d.trim.cut(n, p.discardPadding)
		if from == to {
			continue
		}
		for c := range d.view {
			d.view[c] = out[c][from:to]
		}
		return d.view, nil
	}
}

// check verifies the shape of a codec's output and returns its length.
func (d *decoder) check(out [][]float32) (int, error) {
	if len(out) != len(d.view) {
		return 0, fmt.Errorf("mkv: the codec returned %d channels for a %d-channel track: %w", len(out), len(d.view), errCodecShape)
	}
	n := len(out[0])
	for _, ch := range out[1:] {
		if len(ch) != n {
			return 0, fmt.Errorf("mkv: the codec returned channels of different lengths: %w", errCodecShape)
		}
	}
	if n > pcm.MaxBlockFrames {
		return 0, fmt.Errorf("mkv: the codec returned %d frames at once: %w", n, errCodecShape)
	}
	return n, nil
}

// errCodecShape marks codec output that breaks the codec's own contract:
// a bug, not bad input. It wraps pcm.ErrMalformed so the job fails cleanly.
var errCodecShape = fmt.Errorf("codec output of the wrong shape: %w", pcm.ErrMalformed)
