package audio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xdna-worker/xdna-worker/audio/aac"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/audio/flac"
	"github.com/xdna-worker/xdna-worker/audio/mkv"
	"github.com/xdna-worker/xdna-worker/audio/mp3"
	"github.com/xdna-worker/xdna-worker/audio/mp4"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
	"github.com/xdna-worker/xdna-worker/audio/wav"
)

// maxID3Tags bounds how many ID3v2 tags in a row Open skips.
const maxID3Tags = 4

// readBuffer is the read-ahead given to decoders that read a stream in small
// pieces.
const readBuffer = 64 << 10

// Option configures Open.
type Option func(*options)

type options struct {
	ffmpeg *ffmpeg.Config
}

// WithFFmpeg lets Open fall back to ffmpeg, run as cfg says, for formats and
// codecs the pure-Go decoders do not handle. Without it such input fails
// with an error wrapping pcm.ErrUnsupported that names FFMPEG_PATH.
func WithFFmpeg(cfg ffmpeg.Config) Option {
	return func(o *options) { o.ffmpeg = &cfg }
}

// Input is what Open reads: an *os.File in the worker (ffmpeg needs one),
// or any reader that can seek and read at offsets (bytes.Reader, ...).
type Input interface {
	io.ReadSeeker
	io.ReaderAt
}

// Decoder is an opened audio stream. It implements pcm.Decoder and must be
// closed.
type Decoder struct {
	format  Format
	dec     pcm.Decoder
	ext     *ffmpeg.Decoder // when ffmpeg decodes
	ctx     context.Context
	r       Input
	opts    options
	started bool // a block with samples was returned
}

// Format returns the format Open recognised.
func (d *Decoder) Format() Format { return d.format }

// Info describes the decoded stream.
func (d *Decoder) Info() pcm.Info { return d.dec.Info() }

// Next returns the next block of samples (see pcm.Decoder). When the
// pure-Go decoder meets a feature it does not decode before any samples
// were returned (say an AAC stream that turns out to carry SBR), Next hands
// the stream to ffmpeg if Open was given one.
func (d *Decoder) Next() ([][]float32, error) {
	b, err := d.dec.Next()
	if err != nil && d.format == FormatUnknown && errors.Is(err, ffmpeg.ErrUnrecognised) {
		// Neither the built-in decoders nor ffmpeg know what this is.
		return nil, fmt.Errorf("audio: not a recognised audio format (nor for ffmpeg): %w", pcm.ErrUnsupported)
	}
	if err == nil && len(b) > 0 && len(b[0]) > 0 {
		d.started = true
	}
	if errors.Is(err, pcm.ErrUnsupported) && !d.started && d.ext == nil && d.opts.ffmpeg != nil {
		if ferr := d.useFFmpeg(); ferr != nil {
			return nil, ferr
		}
		return d.Next()
	}
	return b, err
}

// Close stops an external decoder, if one runs.
func (d *Decoder) Close() error {
	if d.ext != nil {
		return d.ext.Close()
	}
	return nil
}

// useFFmpeg restarts the decode from the start of the input with ffmpeg.
func (d *Decoder) useFFmpeg() error {
	f, ok := d.r.(*os.File)
	if !ok {
		return fmt.Errorf("audio: ffmpeg needs a file to read: %w", pcm.ErrUnsupported)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("audio: rewind for ffmpeg: %w", err)
	}
	ext, err := ffmpeg.Decode(d.ctx, *d.opts.ffmpeg, f)
	if err != nil {
		return err
	}
	d.ext, d.dec = ext, ext
	return nil
}

// Open recognises the format of the audio in r (size bytes from offset 0)
// by its content and returns a decoder of it. ID3v2 tags at the start are
// skipped whatever follows them, as ffmpeg does: decoders see the audio
// from its first byte after the tags. ctx bounds an ffmpeg child, if one is
// started.
//
// Errors wrap pcm.ErrMalformed (audio_decode) or pcm.ErrUnsupported
// (unsupported_format); ffmpeg.ErrTooLong can come from Next.
func Open(ctx context.Context, r Input, size int64, opts ...Option) (*Decoder, error) {
	d := &Decoder{ctx: ctx, r: r}
	for _, o := range opts {
		o(&d.opts)
	}
	start, head, err := sniffHead(r)
	if err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("audio: the file is empty%s: %w", afterTags(start), pcm.ErrMalformed)
	}
	d.format = Sniff(head)
	if size <= 0 {
		if size, err = r.Seek(0, io.SeekEnd); err != nil {
			return nil, fmt.Errorf("audio: seek: %w", err)
		}
	}
	body := io.NewSectionReader(r, start, size-start)
	dec, err := d.native(body, size-start)
	if errors.Is(err, pcm.ErrUnsupported) {
		if d.opts.ffmpeg == nil {
			return nil, fmt.Errorf("%w; this worker has no ffmpeg to decode it (set FFMPEG_PATH, or use the worker image with ffmpeg)", err)
		}
		if err := d.useFFmpeg(); err != nil {
			return nil, err
		}
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	d.dec = dec
	return d, nil
}

// native returns the pure-Go decoder of d.format, or an error wrapping
// pcm.ErrUnsupported when there is none.
func (d *Decoder) native(r *io.SectionReader, size int64) (pcm.Decoder, error) {
	switch d.format {
	case FormatWAV:
		w, err := wav.NewDecoder(r)
		if err != nil {
			return nil, err
		}
		return trustWAV(w, size), nil
	case FormatFLAC:
		return flac.NewDecoder(bufio.NewReaderSize(r, readBuffer))
	case FormatMP3:
		return mp3.NewDecoder(bufio.NewReaderSize(r, readBuffer))
	case FormatOgg:
		return ogg.NewDecoder(r)
	case FormatMatroska:
		return mkv.NewDecoder(r)
	case FormatMP4:
		return mp4.NewDecoder(r)
	case FormatADTS:
		return aac.NewADTSDecoder(bufio.NewReaderSize(r, readBuffer))
	case FormatUnknown:
		return nil, fmt.Errorf("audio: not a recognised audio format (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM/Matroska, MP4/M4A, AAC): %w", pcm.ErrUnsupported)
	}
	return nil, fmt.Errorf("audio: %s is not decoded by the built-in decoders: %w", d.format, pcm.ErrUnsupported)
}

// trustWAV hides the frame count of a WAV header that declares more data
// than the file holds: such a header lies, and its length must not decide
// the job's fate (the decode then fails on the missing data instead).
func trustWAV(w *wav.Decoder, size int64) pcm.Decoder {
	f := w.Format()
	if f.Frames < 0 || size <= 0 || f.Frames*int64(f.Channels*f.BitsPerSample/8) <= size {
		return w
	}
	return untrusted{w}
}

// untrusted is a decoder whose declared length is not believed.
type untrusted struct{ pcm.Decoder }

func (u untrusted) Info() pcm.Info {
	i := u.Decoder.Info()
	i.Frames = -1
	return i
}

// sniffHead skips any ID3v2 tags at the start of r and returns where the
// audio starts and up to SniffLen bytes from there.
func sniffHead(r io.ReadSeeker) (int64, []byte, error) {
	var start int64
	buf := make([]byte, SniffLen)
	for range maxID3Tags + 1 {
		if _, err := r.Seek(start, io.SeekStart); err != nil {
			return 0, nil, fmt.Errorf("audio: seek: %w", err)
		}
		n, err := io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("audio: read: %w", err)
		}
		tag := id3Len(buf[:n])
		if tag == 0 {
			return start, buf[:n], nil
		}
		start += tag
	}
	return 0, nil, fmt.Errorf("audio: more than %d ID3v2 tags in a row: %w", maxID3Tags, pcm.ErrMalformed)
}

func afterTags(start int64) string {
	if start == 0 {
		return ""
	}
	return " after its ID3v2 tag"
}
