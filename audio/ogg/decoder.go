package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Limits of NewDecoder's read-ahead of the first audio page, whose
// granule position and packets tell where the stream's samples start.
const (
	maxReadAhead        = 1 << 20
	maxReadAheadPackets = 1024
)

// link is the codec state of one link of a chained stream.
type link interface {
	rate() int
	channels() int
	// decode decodes one packet of the link and returns the samples of
	// it that ffmpeg keeps.
	decode(p Packet) ([][]float32, error)
	// frames predicts the samples of the whole link from the packets of
	// its first audio page and the end of the file, or returns -1.
	frames(first []Packet, ts tailScan) int64
}

// Decoder decodes the first Vorbis or Opus stream of an Ogg file. It
// implements pcm.Decoder.
type Decoder struct {
	r      *Reader
	info   pcm.Info
	kind   streamKind
	serial uint32
	link   link
	ended  bool     // the current link's last packet was decoded
	queue  []Packet // packets read ahead, with their own copies of Data
	err    error    // sticky
}

// NewDecoder reads the start of an Ogg file from the current position of
// rs and returns a decoder of its first Vorbis or Opus stream; other
// logical streams (Skeleton, Theora, a second audio stream, ...) are
// ignored. When rs can seek, the last page of the stream gives
// Info.Frames; the decoder then continues from where it was.
//
// A chained file (links one after the other, each ending before the next
// begins) is decoded through as long as every link has the codec, sample
// rate and channel count of the first; otherwise Next fails with an error
// wrapping pcm.ErrUnsupported when it reaches the change. Samples are
// trimmed as ffmpeg's Ogg demuxer trims them, so that the output has the
// length ffmpeg's has.
//
// A file without a Vorbis or Opus stream, or whose audio is in another
// codec (FLAC, Speex, ...), yields an error wrapping pcm.ErrUnsupported.
func NewDecoder(rs io.ReadSeeker) (pcm.Decoder, error) {
	d := &Decoder{r: NewReader(rs)}
	if err := d.start(); err != nil {
		return nil, err
	}
	if err := d.readAhead(); err != nil {
		return nil, err
	}
	frames, err := d.frames(rs)
	if err != nil {
		return nil, err
	}
	d.info.Frames = frames
	return d, nil
}

// Info describes the decoded stream.
func (d *Decoder) Info() pcm.Info { return d.info }

// start finds the first audio stream and makes the decoder of its first
// link.
func (d *Decoder) start() error {
	other := ""
	var others []uint32 // streams to ignore once the audio is found
	for {
		p, err := d.r.NextPacket()
		switch {
		case errors.Is(err, io.EOF):
			if d.r.offset == 0 {
				return fmt.Errorf("ogg: file is empty: %w", pcm.ErrMalformed)
			}
			// Only first pages so far: the headers are cut off.
			return fmt.Errorf("ogg: file ends in the headers of its streams: %w", pcm.ErrMalformed)
		case err != nil:
			return err
		case !p.BOS:
			// All streams of a link begin before any carries data.
			return noAudio(other)
		}
		kind, name := identify(p.Data)
		switch kind {
		case kindVorbis, kindOpus:
			d.kind, d.serial = kind, p.Serial
			for _, s := range others {
				d.r.ignore(s)
			}
			l, err := d.openLink(p)
			if err != nil {
				return err
			}
			d.link = l
			d.info = pcm.Info{Codec: "ogg/" + codecName(kind), SampleRate: l.rate(), Layout: linkLayout(l), Frames: -1}
			return nil
		case kindAudioOther:
			if other == "" {
				other = name
			}
		}
		// Not ignored yet: a packet of it after its first page shows that
		// the first pages are over without audio.
		others = append(others, p.Serial)
	}
}

// noAudio is the error for a file without a decoded audio stream.
func noAudio(other string) error {
	if other != "" {
		return fmt.Errorf("ogg: %s audio is not decoded, only Vorbis and Opus: %w", other, pcm.ErrUnsupported)
	}
	return fmt.Errorf("ogg: no Vorbis or Opus stream in the file: %w", pcm.ErrUnsupported)
}

func codecName(k streamKind) string {
	if k == kindOpus {
		return "opus"
	}
	return "vorbis"
}

// linkLayout is the channel layout of a link.
func linkLayout(l link) pcm.Layout {
	if o, ok := l.(*opusLink); ok {
		return o.layout()
	}
	return pcm.VorbisLayout(l.channels())
}

// openLink reads the header packets of the stream whose first packet is
// bos and makes its decoder.
func (d *Decoder) openLink(bos Packet) (link, error) {
	switch d.kind {
	case kindOpus:
		// OpusTags follows; it is only checked for its signature.
		l, err := newOpusLink(bos.Data)
		if err != nil {
			return nil, err
		}
		tags, err := d.header(bos.Serial)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(tags, []byte("OpusTags")) {
			return nil, fmt.Errorf("ogg: second packet of the Opus stream is not OpusTags: %w", pcm.ErrMalformed)
		}
		return l, nil
	default:
		ident := bytes.Clone(bos.Data)
		comment, err := d.header(bos.Serial)
		if err != nil {
			return nil, err
		}
		comment = bytes.Clone(comment)
		setup, err := d.header(bos.Serial)
		if err != nil {
			return nil, err
		}
		return newVorbisLink(ident, comment, setup, d.link != nil)
	}
}

// header returns the next packet of serial, a header packet; the packets
// of streams that begin meanwhile are ignored.
func (d *Decoder) header(serial uint32) ([]byte, error) {
	for {
		p, err := d.r.NextPacket()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("ogg: file ends in the headers of the %s stream: %w", codecName(d.kind), pcm.ErrMalformed)
		}
		if err != nil {
			return nil, err
		}
		if p.Serial != serial {
			d.r.ignore(p.Serial)
			continue
		}
		if p.EOS {
			return nil, fmt.Errorf("ogg: the %s stream ends in its headers: %w", codecName(d.kind), pcm.ErrMalformed)
		}
		return p.Data, nil
	}
}

// readAhead reads the packets of the first audio page into the queue.
func (d *Decoder) readAhead() error {
	size := 0
	for len(d.queue) < maxReadAheadPackets && size < maxReadAhead {
		p, err := d.r.NextPacket()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.Serial != d.serial {
			if p.BOS {
				d.r.ignore(p.Serial)
			}
			continue
		}
		p.Data = bytes.Clone(p.Data)
		d.queue = append(d.queue, p)
		size += len(p.Data)
		if p.Granule >= 0 || p.EOS {
			return nil
		}
	}
	return nil
}

// frames predicts the number of samples of the stream from the first
// audio page and the last page of the stream, or returns -1 when they do
// not tell or rs cannot seek. rs is left where the reader needs it.
func (d *Decoder) frames(rs io.ReadSeeker) (int64, error) {
	if len(d.queue) == 0 || d.queue[len(d.queue)-1].Granule < 0 {
		return -1, nil
	}
	pos, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1, nil // not seekable
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		_, err = rs.Seek(pos, io.SeekStart)
		return -1, err
	}
	ts, err := scanTail(rs, pos-d.r.offset, end, d.serial)
	if _, serr := rs.Seek(pos, io.SeekStart); serr != nil {
		return -1, fmt.Errorf("ogg: seeking back from the end: %w", serr)
	}
	if err != nil {
		return -1, err
	}
	return d.link.frames(d.queue, ts), nil
}

// Next returns the next block of samples (see pcm.Decoder).
func (d *Decoder) Next() ([][]float32, error) {
	for d.err == nil {
		p, err := d.packet()
		if err != nil {
			d.err = err
			break
		}
		if p.BOS {
			if err := d.begin(p); err != nil {
				d.err = err
			}
			continue
		}
		if p.Serial != d.serial || d.ended {
			continue
		}
		out, err := d.link.decode(p)
		if err != nil {
			d.err = err
			break
		}
		d.ended = p.EOS
		if len(out[0]) > 0 {
			return out, nil
		}
	}
	return nil, d.err
}

// packet returns the next packet, from the read-ahead queue first.
func (d *Decoder) packet() (Packet, error) {
	if len(d.queue) > 0 {
		p := d.queue[0]
		d.queue = d.queue[1:]
		return p, nil
	}
	return d.r.NextPacket()
}

// begin handles the first packet of a logical stream met while decoding:
// the next link of a chain when the current one has ended, else a stream
// to ignore.
func (d *Decoder) begin(bos Packet) error {
	kind, name := identify(bos.Data)
	if !d.ended || kind == kindOther {
		d.r.ignore(bos.Serial)
		return nil
	}
	if kind != d.kind {
		if name == "" {
			name = "another codec"
		}
		return fmt.Errorf("ogg: chained stream changes from %s to %s: %w", codecName(d.kind), name, pcm.ErrUnsupported)
	}
	l, err := d.openLink(bos)
	if err != nil {
		return err
	}
	if l.rate() != d.link.rate() || l.channels() != d.link.channels() {
		return fmt.Errorf("ogg: chained stream changes from %d Hz, %d channels to %d Hz, %d channels: %w",
			d.link.rate(), d.link.channels(), l.rate(), l.channels(), pcm.ErrUnsupported)
	}
	d.link, d.serial, d.ended = l, bos.Serial, false
	return nil
}
