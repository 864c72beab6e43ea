package flac

import "math/bits"

// Channel assignments of a frame header (RFC 9639 section 9.1.3): 0 to 7
// are 1 to 8 independent channels; the others are stereo pairs coded as
// left and side, side and right, or mid and side.
const (
	assignLeftSide  = 8
	assignRightSide = 9
	assignMidSide   = 10
)

// maxHeaderSize is the size of the longest frame header: 4 fixed bytes, a
// 7-byte coded number, 2 bytes of block size, 2 of sample rate and the
// CRC-8.
const maxHeaderSize = 16

// frameHeader is a frame header (RFC 9639 section 9.1).
type frameHeader struct {
	variable  bool   // variable block size stream: number counts samples
	number    uint64 // frame number, or sample number when variable
	blockSize int    // samples per channel
	rate      int    // Hz, or 0 when the header defers to STREAMINFO
	bits      int    // bits per sample, or 0 when it defers to STREAMINFO
	assign    int    // channel assignment
	channels  int
}

// isSync reports whether p starts with a frame sync code (14 one bits then
// a reserved 0 bit; the next bit is the blocking strategy).
func isSync(p []byte) bool { return len(p) >= 2 && p[0] == 0xFF && p[1]&0xFE == 0xF8 }

// readFrameHeader reads the frame header at the reader's position, which
// holds a sync code, and checks its CRC-8 and that it fits the stream.
func (d *Decoder) readFrameHeader() (frameHeader, error) {
	br := d.br
	var hb [maxHeaderSize]byte
	k := 0
	next := func() byte {
		hb[k] = byte(br.read(8))
		k++
		return hb[k-1]
	}
	next() // sync
	var h frameHeader
	h.variable = next()&1 != 0
	codes := next()
	misc := next()
	bsCode, rateCode := int(codes>>4), int(codes&15)
	chCode, bitsCode := int(misc>>4), int(misc>>1&7)

	// Coded number: FLAC's extension of UTF-8 to 36 bits in up to 7 bytes.
	c := next()
	extra := 0
	switch {
	case c < 0x80:
		h.number = uint64(c)
	case c < 0xC0 || c == 0xFF:
		return h, d.checkTruncated(malformed("invalid coded number in a frame header"))
	default:
		extra = bits.LeadingZeros8(^c) - 1 // leading 1 bits, less one
		h.number = uint64(c & (0x7F >> (extra + 1)))
	}
	for range extra {
		c := next()
		if c&0xC0 != 0x80 {
			return h, d.checkTruncated(malformed("invalid coded number in a frame header"))
		}
		h.number = h.number<<6 | uint64(c&0x3F)
	}
	switch bsCode {
	case 6:
		h.blockSize = int(next()) + 1
	case 7:
		hi := next()
		h.blockSize = (int(hi)<<8 | int(next())) + 1
	}
	switch rateCode {
	case 12:
		h.rate = int(next()) * 1000
	case 13, 14:
		hi := next()
		h.rate = int(hi)<<8 | int(next())
		if rateCode == 14 {
			h.rate *= 10
		}
	}
	crc := next()
	if br.err != nil {
		return h, br.err
	}
	if !d.skipCRC && crc8(hb[:k-1]) != crc {
		return h, malformed("frame header CRC-8 mismatch (corrupt data)")
	}

	si := &d.si
	switch {
	case misc&1 != 0:
		return h, malformed("the reserved bit of a frame header is set")
	case bsCode == 0:
		return h, malformed("reserved block size code 0 in a frame header")
	case rateCode == 15:
		return h, malformed("forbidden sample rate code 15 in a frame header")
	case chCode > assignMidSide:
		return h, malformed("reserved channel assignment %d in a frame header", chCode)
	case bitsCode == 3:
		return h, malformed("reserved bit depth code 3 in a frame header")
	case !h.variable && extra > 5:
		return h, malformed("a frame number of more than 31 bits")
	case h.blockSize == 65536:
		return h, malformed("forbidden block size 65536")
	}
	switch {
	case bsCode == 1:
		h.blockSize = 192
	case bsCode >= 2 && bsCode <= 5:
		h.blockSize = 144 << bsCode
	case bsCode >= 8:
		h.blockSize = 1 << bsCode
	}
	if rateCode >= 1 && rateCode <= 11 {
		h.rate = frameRates[rateCode]
	}
	h.bits = frameBits[bitsCode]
	h.assign = chCode
	h.channels = chCode + 1
	if chCode >= assignLeftSide {
		h.channels = 2
	}
	switch {
	case h.channels != si.channels:
		return h, malformed("a frame of %d channels in a stream of %d", h.channels, si.channels)
	case h.rate != 0 && h.rate != si.rate:
		return h, malformed("a frame at %d Hz in a stream at %d Hz", h.rate, si.rate)
	case h.bits != 0 && h.bits != si.bits:
		return h, malformed("a frame of %d bits per sample in a stream of %d", h.bits, si.bits)
	case h.blockSize > si.maxBlock:
		return h, malformed("a frame of %d samples, above STREAMINFO's maximum block size of %d", h.blockSize, si.maxBlock)
	case d.frames > 0 && h.variable != d.variable:
		return h, malformed("the blocking strategy changes between frames")
	}
	return h, nil
}

// checkTruncated returns the reader's error if it has one (the stream ended
// or failed inside the header, so the bytes seen are not to blame), else
// err.
func (d *Decoder) checkTruncated(err error) error {
	if d.br.err != nil {
		return d.br.err
	}
	return err
}

// frameRates are the sample rates of the frame header's codes 1 to 11.
var frameRates = [12]int{0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000}

// frameBits are the bit depths of the frame header's codes (0 defers to
// STREAMINFO; 3 is reserved).
var frameBits = [8]int{0, 8, 12, 0, 16, 20, 24, 32}
