package mp3

import (
	"errors"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// lameSkip is what ffmpeg skips at the start of a stream with a LAME tag
// besides the encoder delay: the 528 samples of delay of the decoder's
// filterbank, plus one.
const lameSkip = 528 + 1

// Decoder decodes an MP3 stream: MPEG-1, MPEG-2 or MPEG-2.5 audio, Layer
// III. It implements pcm.Decoder, with one frame (1152 or 576 samples per
// channel) per block. It reads its input sequentially through fixed
// buffers and never seeks.
type Decoder struct {
	f    framer
	l3   layer3
	info pcm.Info
	spf  int // samples per frame

	pending    []byte // the first audio frame, read by NewDecoder
	pendingHdr header
	pendingBuf [maxFrameSize]byte

	// Gapless trimming, in samples per channel counted from the start of
	// the first audio frame: [0, skip) and [discardFrom, discardTo) are
	// dropped, as ffmpeg drops them.
	pos, skip              int64
	discardFrom, discardTo int64

	pcm [2][maxFrameSamples]float32
	out [][]float32 // the block Next returns
	err error       // sticky
}

// NewDecoder reads the start of an MP3 stream from r: any ID3v2 tags, junk
// up to the first frame (at most 64 KiB), and the Xing/Info or VBRI frame
// if the audio starts with one (after junk, ffmpeg and this decoder take it
// for an audio frame). Streams of MPEG audio layer I or II, and free-format
// streams, are unsupported; input with no MPEG audio frame is malformed.
func NewDecoder(r io.Reader) (*Decoder, error) {
	d := &Decoder{}
	d.f.src.r = r
	if err := d.f.lockOn(); err != nil {
		return nil, err
	}
	h := d.f.stream
	d.spf = h.samplesPerFrame()
	d.info = pcm.Info{Codec: "mp3", SampleRate: h.sampleRate(), Layout: pcm.LayoutStereo, Frames: -1}
	if h.channels() == 1 {
		d.info.Layout = pcm.LayoutMono
	}
	frame, fh, err := d.f.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, malformed("no MPEG audio frame found")
		}
		return nil, err
	}
	// ffmpeg looks for the Xing or VBRI frame only where the audio data
	// starts: after junk it decodes that frame as (silent) audio.
	vbr, ok := vbrHeader{frames: -1}, false
	if d.f.junk == 0 {
		vbr, ok = parseVBRHeader(fh, frame)
	}
	if !ok {
		d.pending = d.pendingBuf[:copy(d.pendingBuf[:], frame)]
		d.pendingHdr = fh
	}
	d.out = make([][]float32, d.info.Channels())
	d.discardFrom, d.discardTo = -1, -1
	if vbr.frames > 0 {
		total := vbr.frames * int64(d.spf)
		d.info.Frames = total
		if vbr.gapless {
			// ffmpeg drops [delay+529, ...) at the start and
			// [total-padding+529, total) at the end: a padding under 529
			// samples trims nothing at the end.
			d.discardFrom = total - int64(vbr.padding) + lameSkip
			d.discardTo = total
			d.info.Frames = max(0, min(d.discardFrom, total)-int64(vbr.delay)-lameSkip)
		}
	}
	if vbr.gapless {
		d.skip = int64(vbr.delay) + lameSkip
	}
	return d, nil
}

// Info describes the stream. Frames is known when a Xing or VBRI header
// gives the frame count (less the encoder delay and padding of a LAME
// tag), else -1.
func (d *Decoder) Info() pcm.Info { return d.info }

// Next decodes the next frame and returns its samples, one slice per
// channel, valid until the next call. Frames wholly inside the trimmed
// encoder delay or padding are skipped. At the end of the stream it
// returns io.EOF; a stream that breaks off, or a frame that cannot be
// decoded, returns an error wrapping pcm.ErrMalformed.
func (d *Decoder) Next() ([][]float32, error) {
	for d.err == nil {
		frame, h := d.pending, d.pendingHdr
		d.pending = nil
		if frame == nil {
			var err error
			frame, h, err = d.f.next()
			if err != nil {
				d.err = err
				break
			}
		}
		if err := d.l3.decodeFrame(h, frame, &d.pcm); err != nil {
			d.err = err
			break
		}
		if n := d.trim(); n > 0 {
			for ch := range d.out {
				d.out[ch] = d.pcm[ch][:n]
			}
			return d.out, nil
		}
	}
	return nil, d.err
}

// trim drops from the frame just decoded into d.pcm the samples in the
// trimmed ranges, moving the rest to the front, and returns how many are
// left.
func (d *Decoder) trim() int {
	start := d.pos
	end := start + int64(d.spf)
	d.pos = end
	if start >= d.skip && (end <= d.discardFrom || start >= d.discardTo) {
		return d.spf
	}
	n := 0
	for i := start; i < end; i++ {
		if i < d.skip || (i >= d.discardFrom && i < d.discardTo) {
			continue
		}
		for ch := range d.info.Channels() {
			d.pcm[ch][n] = d.pcm[ch][i-start]
		}
		n++
	}
	return n
}
