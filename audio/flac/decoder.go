package flac

import (
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// codecName is Info.Codec of a FLAC stream.
const codecName = "flac"

// id3v1Size is the size of an ID3v1 tag, which some taggers append to FLAC
// files and ffmpeg ignores.
const id3v1Size = 128

// Decoder decodes a native FLAC stream. It implements pcm.Decoder: each
// call to Next decodes one frame. It reads its input sequentially through
// one 64 KiB buffer and holds one block: 12 bytes per sample (16 after a
// call to Samples) of at most STREAMINFO's maximum block size per channel,
// so at most 8.4 MB for 8 channels of 65535 samples. It is not safe for
// concurrent use.
//
// A stream may end after any whole frame, as one trimmed by copying frames
// (ffmpeg -c copy) does even though its STREAMINFO still counts the
// original's samples and carries its MD5 signature, which is then not
// checked. Bytes after the last frame are an error unless the samples
// STREAMINFO declares are all decoded or they are one ID3v1 tag.
type Decoder struct {
	br   *bitReader
	si   streamInfo
	info pcm.Info
	sig  *signature // nil when STREAMINFO has no MD5 signature

	work  [][]int64   // per channel, the samples of the current block
	out   [][]float32 // per channel, the same as floats
	block [][]float32 // out cut to the current block's length
	ints  [][]int32   // per channel, for Samples
	n     int         // samples per channel of the block Next returned last
	coefs [maxLPCOrder]int64

	scale    float32 // 2^-(bits-1)
	decoded  uint64  // samples per channel decoded so far
	frames   int64   // frames decoded so far
	variable bool    // the stream's blocking strategy, once a frame is read
	err      error   // sticky: returned by every Next after the first

	skipCRC bool // for fuzzing: decode frames whatever their CRCs
}

// Option configures a Decoder.
type Option func(*options)

type options struct{ checkMD5 bool }

// CheckMD5 makes the decoder verify STREAMINFO's MD5 signature of the
// audio at the end of a complete stream (ErrMD5Mismatch). It is off by
// default, as in ffmpeg: every frame's CRC-8 and CRC-16 already catch
// corrupt data, a wrong signature alone (a faulty encoder) should not cost
// a transcript, and hashing takes a third of the decode time.
func CheckMD5() Option { return func(o *options) { o.checkMD5 = true } }

// NewDecoder reads the start of a FLAC stream from r, up to its first
// frame, and returns a decoder of its audio. A stream that is not FLAC (or
// is FLAC in Ogg) or whose sample rate is outside pcm.MinSampleRate and
// pcm.MaxSampleRate gives an error wrapping pcm.ErrUnsupported; a
// malformed one, an error wrapping pcm.ErrMalformed. Errors of r are
// returned wrapped.
func NewDecoder(r io.Reader, opts ...Option) (*Decoder, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	br := newBitReader(r)
	md, err := readMetadata(br)
	if err != nil {
		return nil, err
	}
	si := md.info
	d := &Decoder{
		br: br,
		si: si,
		info: pcm.Info{
			Codec:      codecName,
			SampleRate: si.rate,
			Layout:     layoutOf(si.channels, md.mask, md.hasMask),
			Frames:     -1,
		},
		work:  make([][]int64, si.channels),
		out:   make([][]float32, si.channels),
		block: make([][]float32, si.channels),
		scale: 1 / float32(uint64(1)<<(si.bits-1)),
	}
	if si.total > 0 {
		d.info.Frames = int64(si.total)
	}
	if o.checkMD5 && si.hasMD5() {
		d.sig = newSignature(si.bits, si.channels)
	}
	return d, nil
}

// Info describes the stream: codec "flac", the STREAMINFO sample rate, the
// channel layout (FLAC's default for the channel count, or the one a valid
// WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment gives, as ffmpeg has it) and
// STREAMINFO's total samples when it declares them.
func (d *Decoder) Info() pcm.Info { return d.info }

// BitsPerSample is the bit depth of the stream's samples, 4 to 32.
func (d *Decoder) BitsPerSample() int { return d.si.bits }

// Next decodes the next frame and returns its samples, one slice per
// channel, each sample scaled from the stream's integer range to [-1, 1]
// by 2^-(bits-1) (exact up to 24 bits; deeper samples round to float32,
// the largest to 1). After the last frame it returns nil, io.EOF; an
// error is returned again by every later call.
func (d *Decoder) Next() ([][]float32, error) {
	if d.err != nil {
		return nil, d.err
	}
	d.n = 0
	n, err := d.decodeFrame()
	if err == nil {
		err = d.convert(n)
	}
	if err != nil {
		d.err = err
		return nil, err
	}
	d.n = n
	return d.block, nil
}

// Samples returns the integer samples of the block Next returned last (none
// after an error or the end), one slice per channel: what Next returned
// before scaling, for exact comparisons of streams deeper than float32's
// 24 bits. The slices stay valid until the next call to Next.
func (d *Decoder) Samples() [][]int32 {
	if d.ints == nil {
		d.ints = make([][]int32, len(d.work))
	}
	for c, w := range d.work {
		if cap(d.ints[c]) < d.n {
			d.ints[c] = make([]int32, d.n, cap(w))
		}
		d.ints[c] = d.ints[c][:d.n]
		for i, v := range w[:d.n] {
			d.ints[c][i] = int32(v)
		}
	}
	return d.ints
}

// decodeFrame decodes the next frame into work and returns its block size.
func (d *Decoder) decodeFrame() (int, error) {
	br := d.br
	p := br.peek(2)
	switch {
	case len(p) < 2 && br.err != nil:
		return 0, d.frameErr(br.offset(), br.err)
	case len(p) == 0:
		return 0, d.end()
	case !isSync(p):
		return 0, d.trailing()
	}
	off := br.offset()
	br.startCRC()
	h, err := d.readFrameHeader()
	if err != nil {
		return 0, d.frameErr(off, err)
	}
	n := h.blockSize
	if cap(d.work[0]) < n {
		// Grow geometrically up to STREAMINFO's maximum (at most 65535), so
		// that frames of ever larger sizes cost few allocations.
		size := min(max(n, 2*cap(d.work[0]), 4096), d.si.maxBlock)
		for c := range d.work {
			d.work[c] = make([]int64, size)
			d.out[c] = make([]float32, size)
		}
	}
	bits := uint(d.si.bits)
	for c, w := range d.work {
		if err := d.readSubframe(w[:n], sideBits(h.assign, c, bits)); err != nil {
			return 0, d.frameErr(off, err)
		}
	}
	if h.assign >= assignLeftSide {
		decorrelate(h.assign, d.work[0][:n], d.work[1][:n])
	}
	br.align()
	crc := br.endCRC()
	want := uint16(br.read(16))
	switch {
	case br.err != nil:
		return 0, d.frameErr(off, br.err)
	case !d.skipCRC && want != crc:
		return 0, d.frameErr(off, malformed("frame CRC-16 mismatch (corrupt data)"))
	}
	d.frames++
	d.variable = h.variable
	return n, nil
}

// convert checks that the n samples per channel in work fit the stream's
// bit depth, scales them into out and adds them to the MD5 signature.
func (d *Decoder) convert(n int) error {
	bits := uint(d.si.bits)
	lo := int64(-1) << (bits - 1)
	for c, w := range d.work {
		src, dst := w[:n], d.out[c][:n]
		var over uint64
		for i, v := range src {
			over |= uint64(v-lo) >> bits
			dst[i] = float32(v) * d.scale
		}
		if over != 0 {
			return malformed("frame %d (sample %d) decodes to samples outside the %d-bit range (corrupt data)", d.frames-1, d.decoded, bits)
		}
		d.block[c] = dst
	}
	if d.sig != nil {
		d.sig.add(d.work, n)
	}
	d.decoded += uint64(n)
	return nil
}

// end finishes a stream whose bytes are all read: io.EOF, or
// ErrMD5Mismatch. The signature is checked when the stream is complete, or
// of unknown length: a stream trimmed by dropping frames keeps the
// original's STREAMINFO.
func (d *Decoder) end() error {
	if d.sig != nil && (d.si.total == 0 || d.decoded == d.si.total) && !d.sig.matches(d.si.md5) {
		return ErrMD5Mismatch
	}
	return io.EOF
}

// trailing decides about bytes that follow the last frame but do not start
// another one.
func (d *Decoder) trailing() error {
	if d.si.total > 0 && d.decoded >= d.si.total {
		return d.end() // the declared samples are all there: ignore the rest
	}
	p := d.br.peek(id3v1Size + 1)
	if len(p) == id3v1Size && string(p[:3]) == "TAG" {
		return d.end()
	}
	if d.br.err != nil && !isMalformed(d.br.err) {
		return d.frameErr(d.br.offset(), d.br.err)
	}
	return malformed("byte %d, after frame %d (sample %d), does not start a frame", d.br.offset(), d.frames, d.decoded)
}

// frameErr says which frame err is about.
func (d *Decoder) frameErr(off int64, err error) error {
	return wrapIn(fmt.Sprintf("frame %d (byte %d, sample %d)", d.frames, off, d.decoded), err)
}
