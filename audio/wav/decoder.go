package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// bufSize is the size of a Decoder's internal byte buffer. It holds at least
// 64 frames of the widest frame (64 channels × 8 bytes).
const bufSize = 32 << 10

// blockFrames is the most frames Next returns at once.
const blockFrames = 4096

// WAVE format tags.
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveExtensible = 0xFFFE
)

// ksGUIDTail is the common tail of the KSDATAFORMAT_SUBTYPE_* GUIDs whose
// first two bytes are a WAVE format tag.
const ksGUIDTail = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"

// Encoding is how the samples of a WAV file are stored.
type Encoding uint8

// Sample encodings the WAV reader decodes.
const (
	// EncodingPCM is linear PCM: unsigned 8-bit, signed 16, 24 or 32-bit.
	EncodingPCM Encoding = iota + 1
	// EncodingFloat is IEEE float, 32 or 64-bit.
	EncodingFloat
	// EncodingALaw is ITU-T G.711 A-law, 8-bit.
	EncodingALaw
	// EncodingMuLaw is ITU-T G.711 mu-law, 8-bit.
	EncodingMuLaw
)

// String returns the encoding's name.
func (e Encoding) String() string {
	switch e {
	case EncodingPCM:
		return "pcm"
	case EncodingFloat:
		return "float"
	case EncodingALaw:
		return "alaw"
	case EncodingMuLaw:
		return "mulaw"
	}
	return "unknown"
}

// Format describes the audio of a WAV file, from its header.
type Format struct {
	SampleRate    int      // frames per second
	Channels      int      // samples per frame
	BitsPerSample int      // container size of one sample
	Float         bool     // IEEE float samples
	Encoding      Encoding // how samples are stored
	// Frames is the number of frames the data chunk declares, or -1 when the
	// header leaves it open (streamed files: size 0 or 0xFFFFFFFF).
	Frames int64
	// Duration is Frames at SampleRate, or 0 when Frames is unknown.
	Duration time.Duration
	// ChannelMask is WAVE_FORMAT_EXTENSIBLE's speaker mask, 0 if absent.
	ChannelMask uint32
}

// Decoder decodes a WAV stream to planar float32 samples; it implements
// pcm.Decoder. It reads the underlying reader sequentially, through one
// fixed 32 KiB buffer, and never seeks. It is not safe for concurrent use.
type Decoder struct {
	r          io.Reader
	info       Format
	layout     pcm.Layout
	blockAlign int
	convert    convertFunc
	planes     [][]float32 // the block Next returns
	known      bool        // the data chunk size is declared
	declared   int64       // declared data chunk size in bytes
	remaining  int64       // declared bytes not yet read from r
	consumed   int64       // data bytes read from r so far
	start, end int         // unconverted bytes in buf
	eof        bool        // r is exhausted
	err        error       // sticky: returned once buf holds no whole frame
	buf        [bufSize]byte
}

// decodeErr returns an error about a malformed WAV file.
func decodeErr(format string, args ...any) error {
	return fmt.Errorf("wav: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupportedErr returns an error about a WAV codec or layout that is not
// decoded.
func unsupportedErr(format string, args ...any) error {
	return fmt.Errorf("wav: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}

// NewDecoder reads the header of a RIFF/WAVE (or RF64/BW64) stream from r,
// up to the start of the data chunk, and returns a decoder of its samples.
// Chunks other than fmt, ds64 and data are skipped. Malformed headers yield
// errors wrapping pcm.ErrMalformed; WAV codecs that are not decoded (ADPCM,
// GSM, MP3 in WAV, ...) and input that is not WAV yield errors wrapping
// pcm.ErrUnsupported. Errors of r itself are returned wrapped.
func NewDecoder(r io.Reader) (*Decoder, error) {
	w := &Decoder{r: r}
	if err := w.readHeader(); err != nil {
		return nil, err
	}
	w.layout = pcm.MaskLayout(w.info.ChannelMask, w.info.Channels)
	w.planes = make([][]float32, w.info.Channels)
	frames := min(blockFrames, bufSize/w.blockAlign)
	back := make([]float32, frames*w.info.Channels)
	for c := range w.planes {
		w.planes[c] = back[c*frames : (c+1)*frames : (c+1)*frames]
	}
	return w, nil
}

// Format returns the audio's description from the header.
func (w *Decoder) Format() Format { return w.info }

// Info describes the stream for pcm.Decoder.
func (w *Decoder) Info() pcm.Info {
	return pcm.Info{
		Codec:      "wav/" + w.info.Encoding.String() + fmt.Sprint(w.info.BitsPerSample),
		SampleRate: w.info.SampleRate,
		Layout:     w.layout,
		Frames:     w.info.Frames,
	}
}

// readFull reads len(p) header bytes; a short read is a truncated file.
func (w *Decoder) readFull(p []byte, what string) error {
	n, err := io.ReadFull(w.r, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return decodeErr("file is truncated: it ends %d bytes into the %d-byte %s", n, len(p), what)
	default:
		return fmt.Errorf("wav: reading %s: %w", what, err)
	}
}

// skip discards n bytes of chunk id.
func (w *Decoder) skip(n int64, id string) error {
	for n > 0 {
		k := int(min(n, int64(len(w.buf))))
		m, err := io.ReadFull(w.r, w.buf[:k])
		n -= int64(m)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return decodeErr("file is truncated inside %s chunk (%d bytes missing) before any data chunk", chunkName(id), n)
		default:
			return fmt.Errorf("wav: skipping %s chunk: %w", chunkName(id), err)
		}
	}
	return nil
}

// readHeader parses the RIFF header and chunks up to the data chunk.
func (w *Decoder) readHeader() error {
	var hdr [12]byte
	n, err := io.ReadFull(w.r, hdr[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("wav: reading header: %w", err)
	}
	b := hdr[:n]
	if n == 0 {
		return decodeErr("file is empty")
	}
	magic := string(b[:min(n, 4)])
	switch magic {
	case "RIFF", "RF64", "BW64":
	default:
		if n < 4 && (magic == "RIFF"[:n] || magic == "RF64"[:n]) {
			return decodeErr("file is truncated: %d bytes", n)
		}
		if magic == "RIFX" {
			return unsupportedErr("big-endian WAV (RIFX) is not decoded")
		}
		return unsupportedErr("audio is not WAV: it does not start with \"RIFF\"")
	}
	if n < 12 {
		return decodeErr("file is truncated: %d bytes, a WAV header needs at least 44", n)
	}
	if form := string(b[8:12]); form != "WAVE" {
		return unsupportedErr("audio is not WAV: a RIFF file whose form type is not \"WAVE\"")
	}
	rf64 := magic != "RIFF"

	haveFmt := false
	ds64Data := int64(-1)
	for {
		var ch [8]byte
		n, err := io.ReadFull(w.r, ch[:])
		switch {
		case err == nil:
		case n == 0 && errors.Is(err, io.EOF):
			if !haveFmt {
				return decodeErr("no fmt chunk")
			}
			return decodeErr("no data chunk")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return decodeErr("file is truncated inside a chunk header")
		default:
			return fmt.Errorf("wav: reading chunk header: %w", err)
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if haveFmt {
				return decodeErr("more than one fmt chunk")
			}
			if err := w.readFmt(size); err != nil {
				return err
			}
			haveFmt = true
		case "ds64":
			if !rf64 {
				if err := w.skip(size+size&1, id); err != nil {
					return err
				}
				continue
			}
			if size < 24 {
				return decodeErr("ds64 chunk is %d bytes, need at least 24", size)
			}
			var d [24]byte
			if err := w.readFull(d[:], "ds64 chunk"); err != nil {
				return err
			}
			ds64Data = int64(binary.LittleEndian.Uint64(d[8:16]))
			if ds64Data < 0 {
				return decodeErr("ds64 data size %d is out of range", uint64(ds64Data))
			}
			if err := w.skip(size-24+size&1, id); err != nil {
				return err
			}
		case "data":
			if !haveFmt {
				return decodeErr("data chunk before the fmt chunk")
			}
			return w.startData(size, rf64, ds64Data)
		default:
			if err := w.skip(size+size&1, id); err != nil {
				return err
			}
		}
	}
}

// readFmt parses and validates a fmt chunk of the given size.
func (w *Decoder) readFmt(size int64) error {
	if size < 16 {
		return decodeErr("fmt chunk is %d bytes, need at least 16", size)
	}
	var f [40]byte
	k := min(size, int64(len(f)))
	if err := w.readFull(f[:k], "fmt chunk"); err != nil {
		return err
	}
	if err := w.skip(size-k+size&1, "fmt "); err != nil {
		return err
	}
	le := binary.LittleEndian
	tag := le.Uint16(f[0:])
	var mask uint32
	channels := int(le.Uint16(f[2:]))
	rate := int64(le.Uint32(f[4:]))
	byteRate := int64(le.Uint32(f[8:]))
	blockAlign := int(le.Uint16(f[12:]))
	bits := int(le.Uint16(f[14:]))
	validBits := bits
	if tag == waveExtensible {
		if size < 40 {
			return decodeErr("WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes, need 40", size)
		}
		if cb := le.Uint16(f[16:]); cb < 22 {
			return decodeErr("WAVE_FORMAT_EXTENSIBLE extension is %d bytes, need 22", cb)
		}
		if v := int(le.Uint16(f[18:])); v != 0 {
			validBits = v
		}
		mask = le.Uint32(f[20:])
		guid := f[24:40]
		if string(guid[2:]) != ksGUIDTail {
			return unsupportedErr("WAV sub-format GUID is not a known WAVE_FORMAT_* codec")
		}
		tag = le.Uint16(guid[0:])
	}

	var enc Encoding
	switch tag {
	case wavePCM:
		enc = EncodingPCM
	case waveFloat:
		enc = EncodingFloat
	case waveALaw:
		enc = EncodingALaw
	case waveMuLaw:
		enc = EncodingMuLaw
	default:
		return unsupportedErr("WAV codec 0x%04x (%s) is not decoded; use PCM, IEEE float, A-law or mu-law", tag, wavCodecName(tag))
	}
	switch {
	case channels == 0:
		return decodeErr("fmt chunk declares 0 channels")
	case rate == 0:
		return decodeErr("fmt chunk declares a sample rate of 0")
	case bits == 0 || bits%8 != 0:
		return decodeErr("%d bits per sample is not a positive multiple of 8", bits)
	case validBits > bits:
		return decodeErr("%d valid bits in a %d-bit container", validBits, bits)
	case blockAlign != channels*bits/8:
		return decodeErr("block align %d does not match %d channels × %d bits (%d bytes)", blockAlign, channels, bits, channels*bits/8)
	case byteRate != rate*int64(blockAlign):
		return decodeErr("byte rate %d does not match %d Hz × %d-byte frames (%d)", byteRate, rate, blockAlign, rate*int64(blockAlign))
	case channels > pcm.MaxChannels:
		return unsupportedErr("WAV has %d channels, at most %d are supported", channels, pcm.MaxChannels)
	case rate < pcm.MinSampleRate || rate > pcm.MaxSampleRate:
		return unsupportedErr("WAV sample rate %d Hz is outside the supported %d..%d Hz", rate, pcm.MinSampleRate, pcm.MaxSampleRate)
	}

	switch {
	case enc == EncodingPCM && bits == 8:
		w.convert = convertU8
	case enc == EncodingPCM && bits == 16:
		w.convert = convertS16
	case enc == EncodingPCM && bits == 24:
		w.convert = convertS24
	case enc == EncodingPCM && bits == 32:
		w.convert = convertS32
	case enc == EncodingPCM:
		return unsupportedErr("%d-bit PCM WAV is not decoded; use 8, 16, 24 or 32 bits", bits)
	case enc == EncodingFloat && bits == 32:
		w.convert = convertF32
	case enc == EncodingFloat && bits == 64:
		w.convert = convertF64
	case enc == EncodingFloat:
		return decodeErr("IEEE float WAV with %d bits per sample; it must be 32 or 64", bits)
	case bits != 8:
		return decodeErr("%s WAV with %d bits per sample; it must be 8", enc, bits)
	case enc == EncodingALaw:
		w.convert = convertALaw
	default:
		w.convert = convertMuLaw
	}
	w.blockAlign = blockAlign
	w.info = Format{
		ChannelMask:   mask,
		SampleRate:    int(rate),
		Channels:      channels,
		BitsPerSample: bits,
		Float:         enc == EncodingFloat,
		Encoding:      enc,
		Frames:        -1,
	}
	return nil
}

// startData sets the reader up at the start of the samples of a data chunk
// of the given declared size.
func (w *Decoder) startData(size int64, rf64 bool, ds64Data int64) error {
	switch {
	case rf64 && size == 0xFFFFFFFF && ds64Data >= 0:
		w.known, w.declared = true, ds64Data
	case size == 0 || size == 0xFFFFFFFF:
		// Streamed: the size was not known when the header was written.
	default:
		w.known, w.declared = true, size
	}
	if !w.known {
		return nil
	}
	if w.declared%int64(w.blockAlign) != 0 {
		return decodeErr("data chunk size %d is not a whole number of %d-byte frames", w.declared, w.blockAlign)
	}
	w.remaining = w.declared
	w.info.Frames = w.declared / int64(w.blockAlign)
	w.info.Duration = framesDuration(w.info.Frames, w.info.SampleRate)
	return nil
}

// framesDuration is the duration of n frames at rate Hz, without overflow.
func framesDuration(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration(n%r*int64(time.Second)/r)
}

// Next returns the next block of up to 4096 frames, one slice per channel,
// scaled to [-1, 1]; the slices stay valid until the next call. It returns
// nil, io.EOF at the end of the data. A data chunk that ends before its
// declared size, or in the middle of a frame, yields an error wrapping
// pcm.ErrMalformed once the whole frames before it have been returned. Next
// does not allocate.
func (w *Decoder) Next() ([][]float32, error) {
	ba := w.blockAlign
	for {
		frames := (w.end - w.start) / ba
		if frames > 0 {
			k := min(frames, len(w.planes[0]))
			for c := range w.planes {
				w.planes[c] = w.planes[c][:k]
			}
			w.convert(w.planes, w.buf[w.start:w.start+k*ba])
			w.start += k * ba
			return w.planes, nil
		}
		if w.err != nil {
			return nil, w.err
		}
		w.fill()
	}
}

// fill reads more data into buf, or sets w.err once there is none.
func (w *Decoder) fill() {
	left := copy(w.buf[:], w.buf[w.start:w.end])
	w.start, w.end = 0, left
	want := int64(len(w.buf) - w.end)
	if w.known {
		want = min(want, w.remaining)
	}
	if w.eof || want == 0 {
		w.finish()
		return
	}
	m, err := io.ReadFull(w.r, w.buf[w.end:w.end+int(want)])
	w.end += m
	w.consumed += int64(m)
	w.remaining -= int64(m)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		w.eof = true
	default:
		w.err = fmt.Errorf("wav: reading samples: %w", err)
	}
}

// finish sets the error Next returns at the end of the data.
func (w *Decoder) finish() {
	switch left := w.end - w.start; {
	case w.known && w.remaining > 0:
		w.err = decodeErr("data chunk declares %d bytes but the file ends after %d (truncated file or wrong header)", w.declared, w.consumed)
	case left > 0:
		w.err = decodeErr("data ends with a partial frame: %d of %d bytes", left, w.blockAlign)
	default:
		w.err = io.EOF
	}
}

// chunkName names a chunk id for an error message, with its article: a
// well-known id quoted (a "LIST"), anything else "an unknown". The id is
// four bytes of the file, and no error may echo the object's bytes (they
// may belong to an object the job should not have been able to read).
func chunkName(id string) string {
	switch id {
	case "fmt ", "data", "ds64", "fact", "LIST", "JUNK", "PAD ", "bext", "cue ", "smpl", "inst", "id3 ", "ID3 ", "iXML", "axml", "PEAK", "acid", "cart", "levl", "umid", "minf", "elm1", "regn", "FLLR":
		return fmt.Sprintf("a %q", id)
	}
	return "an unknown"
}
