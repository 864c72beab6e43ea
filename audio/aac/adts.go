package aac

import (
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// ADTS limits and sizes (ISO/IEC 14496-3 subpart 1 annex A, ISO/IEC 13818-7).
const (
	adtsHeaderSize = 7
	// adtsMaxFrame is the largest aac_frame_length: a 13-bit field.
	adtsMaxFrame = 1<<13 - 1
)

// adtsHeader is the fixed and variable header of one ADTS frame.
type adtsHeader struct {
	mpeg2         bool
	crc           bool // protection_absent is 0: CRC words follow
	objectType    int  // profile_ObjectType + 1
	samplingIndex int
	channelConfig int
	frameLength   int // aac_frame_length: the whole frame, header included
	blocks        int // number_of_raw_data_blocks_in_frame + 1
}

// parseADTSHeader reads the 7 bytes of an ADTS header.
func parseADTSHeader(p []byte) (adtsHeader, error) {
	if p[0] != 0xFF || p[1]&0xF0 != 0xF0 {
		return adtsHeader{}, fmt.Errorf("aac: ADTS sync word missing: %w", pcm.ErrMalformed)
	}
	if p[1]&0x06 != 0 {
		return adtsHeader{}, fmt.Errorf("aac: ADTS layer is not 0: %w", pcm.ErrMalformed)
	}
	h := adtsHeader{
		mpeg2:         p[1]&0x08 != 0,
		crc:           p[1]&0x01 == 0,
		objectType:    int(p[2]>>6) + 1,
		samplingIndex: int(p[2]>>2) & 0xF,
		channelConfig: int(p[2]&1)<<2 | int(p[3]>>6),
		frameLength:   int(p[3]&3)<<11 | int(p[4])<<3 | int(p[5]>>5),
		blocks:        int(p[6]&3) + 1,
	}
	if h.samplingIndex >= len(sampleRates) {
		return adtsHeader{}, fmt.Errorf("aac: ADTS header with reserved sampling frequency index %d: %w", h.samplingIndex, pcm.ErrMalformed)
	}
	if h.frameLength < h.headerSize() {
		return adtsHeader{}, fmt.Errorf("aac: ADTS frame length %d is shorter than its %d-byte header: %w", h.frameLength, h.headerSize(), pcm.ErrMalformed)
	}
	return h, nil
}

// headerSize is the size of the header with its CRC words: the frame's
// CRC, or with several raw_data_blocks the positions of blocks 2… and the
// header CRC.
func (h adtsHeader) headerSize() int {
	switch {
	case !h.crc:
		return adtsHeaderSize
	case h.blocks == 1:
		return adtsHeaderSize + 2
	}
	return adtsHeaderSize + 2*(h.blocks-1) + 2
}

// config returns the stream configuration the header describes.
func (h adtsHeader) config() Config {
	c := Config{
		ObjectType:    h.objectType,
		SampleRate:    sampleRates[h.samplingIndex],
		SamplingIndex: h.samplingIndex,
		ChannelConfig: h.channelConfig,
		FrameLength:   frameLength,
	}
	if h.channelConfig < len(configLayouts) {
		c.Channels = len(configLayouts[h.channelConfig])
	}
	return c
}

// sameStream reports whether two headers describe the same stream.
func (h adtsHeader) sameStream(o adtsHeader) bool {
	return h.objectType == o.objectType && h.samplingIndex == o.samplingIndex && h.channelConfig == o.channelConfig
}

// adtsDecoder decodes an ADTS stream frame by frame through one buffer of
// the largest frame size.
type adtsDecoder struct {
	r      io.Reader
	dec    *Decoder
	info   pcm.Info
	first  adtsHeader // header of the first frame
	frames int        // frames read

	hdr    adtsHeader // header of the current frame
	body   []byte     // the current frame after its header
	bits   bitReader  // position in body of the next raw_data_block
	blocks int        // raw_data_blocks of the current frame not yet decoded
	// pending is the first block, decoded by the constructor so that an
	// unsupported stream is refused before any output.
	pending [][]float32
	err     error // sticky error
	buf     [adtsMaxFrame]byte
}

// NewADTSDecoder reads an ADTS stream (a raw .aac file) from r: frames of
// AAC-LC, each behind its ADTS header. An ID3v2 tag before the first frame
// and an ID3v1 tag after the last are skipped; any other bytes between
// frames are an error. The CRC words of protected frames are skipped, not
// checked (as ffmpeg does by default). ffmpeg removes no encoder delay from
// ADTS, and neither does this decoder: every frame yields 1024 samples.
// The constructor decodes the first frame, so that a stream the decoder
// cannot handle (HE-AAC, signalled only inside the frames) is refused
// before any output. An error ends the stream: Next returns it again.
func NewADTSDecoder(r io.Reader) (pcm.Decoder, error) {
	a := &adtsDecoder{r: r}
	if err := a.skipID3v2(); err != nil {
		return nil, err
	}
	ok, err := a.readFrame()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("aac: ADTS stream holds no frame: %w", pcm.ErrMalformed)
	}
	a.first = a.hdr
	c := a.hdr.config()
	if c.ChannelConfig == 0 {
		// The channels are given by a program_config_element that must
		// lead the first raw_data_block.
		b := newBitReader(a.body)
		if elementType(b.read(3)) != elemPCE {
			return nil, fmt.Errorf("aac: ADTS channel configuration 0 without a leading program config element: %w", pcm.ErrUnsupported)
		}
		p, err := readProgramConfig(&b)
		if err != nil {
			return nil, err
		}
		c.program = p
		c.Channels = p.channels()
	}
	if c.ChannelConfig >= len(configLayouts) {
		return nil, fmt.Errorf("aac: ADTS channel configuration %d: %w", c.ChannelConfig, pcm.ErrUnsupported)
	}
	a.dec, err = NewDecoder(c)
	if err != nil {
		return nil, err
	}
	a.info = pcm.Info{Codec: "adts/aac", SampleRate: c.SampleRate, Layout: a.dec.Layout(), Frames: -1}
	if a.pending, err = a.next(); err != nil {
		return nil, err
	}
	return a, nil
}

// Info describes the stream.
func (a *adtsDecoder) Info() pcm.Info { return a.info }

// Next decodes the next raw_data_block: 1024 samples per channel.
func (a *adtsDecoder) Next() ([][]float32, error) {
	if p := a.pending; p != nil {
		a.pending = nil
		return p, nil
	}
	return a.next()
}

// next decodes the next raw_data_block, reading a frame when the current
// one is used up.
func (a *adtsDecoder) next() ([][]float32, error) {
	if a.err != nil {
		return nil, a.err
	}
	if a.blocks == 0 {
		ok, err := a.readFrame()
		if err != nil {
			a.err = err
			return nil, err
		}
		if !ok {
			a.err = io.EOF
			return nil, io.EOF
		}
		if !a.hdr.sameStream(a.first) {
			a.err = fmt.Errorf("aac: ADTS frame %d changes the stream's profile, rate or channels: %w", a.frames, pcm.ErrUnsupported)
			return nil, a.err
		}
	}
	a.blocks--
	if a.hdr.crc && a.hdr.blocks > 1 && a.blocks < a.hdr.blocks-1 {
		// adts_raw_data_block_error_check of the previous block.
		a.bits.skip(16)
	}
	if err := a.dec.decodeBlock(&a.bits); err != nil {
		a.err = fmt.Errorf("%w (ADTS frame %d)", err, a.frames)
		return nil, a.err
	}
	if a.bits.overrun() {
		a.err = fmt.Errorf("aac: raw_data_block overruns ADTS frame %d: %w", a.frames, pcm.ErrMalformed)
		return nil, a.err
	}
	return a.dec.out, nil
}

// readFrame reads the next frame into buf and sets hdr, body and blocks.
// It returns false at a clean end of the stream: no more bytes, or an
// ID3v1 tag that ends it.
func (a *adtsDecoder) readFrame() (bool, error) {
	head := a.buf[:adtsHeaderSize]
	n, err := io.ReadFull(a.r, head)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return false, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return false, fmt.Errorf("aac: ADTS stream is truncated: it ends %d bytes into a %d-byte header: %w", n, adtsHeaderSize, pcm.ErrMalformed)
	default:
		return false, fmt.Errorf("aac: reading ADTS header: %w", err)
	}
	if string(head[:3]) == "TAG" && a.frames > 0 {
		return false, a.readID3v1()
	}
	if a.frames == 0 {
		switch {
		case string(head[:4]) == "ADIF":
			return false, fmt.Errorf("aac: ADIF stream: %w", pcm.ErrUnsupported)
		case head[0] == 0x56 && head[1]&0xE0 == 0xE0:
			return false, fmt.Errorf("aac: LOAS/LATM stream: %w", pcm.ErrUnsupported)
		}
	}
	h, err := parseADTSHeader(head)
	if err != nil {
		return false, fmt.Errorf("%w (ADTS frame %d)", err, a.frames+1)
	}
	frame := a.buf[:h.frameLength]
	if n, err := io.ReadFull(a.r, frame[adtsHeaderSize:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, fmt.Errorf("aac: ADTS stream is truncated: it ends %d bytes into the %d-byte frame %d: %w",
				adtsHeaderSize+n, h.frameLength, a.frames+1, pcm.ErrMalformed)
		}
		return false, fmt.Errorf("aac: reading ADTS frame: %w", err)
	}
	a.frames++
	a.hdr = h
	a.body = frame[h.headerSize():]
	a.bits = newBitReader(a.body)
	a.blocks = h.blocks
	return true, nil
}
