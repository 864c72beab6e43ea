package mp3

// MPEG audio versions, as coded in bits 20-19 of a frame header.
const (
	mpeg25 = 0 // MPEG-2.5, the unofficial extension to 8-12 kHz
	mpeg2  = 2 // MPEG-2 lower sampling frequencies (ISO/IEC 13818-3)
	mpeg1  = 3 // MPEG-1 (ISO/IEC 11172-3)
)

// Channel modes, bits 7-6 of the fourth header byte.
const (
	modeStereo      = 0
	modeJointStereo = 1
	modeDualChannel = 2
	modeMono        = 3
)

// Sizes of the frame parts, in bytes.
const (
	headerSize = 4
	crcSize    = 2
	// maxFrameSize bounds the frame of any layer and version with a coded
	// bitrate: Layer II at 384 kbit/s and 32 kHz is 1728 bytes, plus one of
	// padding.
	maxFrameSize = 1729
)

// bitrates in kbit/s by [lsf][layer-1][bitrate index]; index 0 is free
// format and 15 is forbidden. ISO/IEC 11172-3 2.4.2.3 and 13818-3 2.4.2.3.
var bitrates = [2][3][15]int{
	{ // MPEG-1
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
	{ // MPEG-2 and 2.5
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
}

// sampleRates in Hz by [version][sampling frequency index].
var sampleRates = [4][3]int{
	mpeg25: {11025, 12000, 8000},
	mpeg2:  {22050, 24000, 16000},
	mpeg1:  {44100, 48000, 32000},
}

// A header is the 32-bit header that starts every MPEG audio frame.
type header uint32

// parseHeader reads the header at the start of b (at least 4 bytes) and
// reports whether it is a valid header of any layer: the 11-bit sync word,
// a version, layer, bitrate index and sampling frequency that are not
// reserved or forbidden. Free format (bitrate index 0) is valid here.
func parseHeader(b []byte) (header, bool) {
	h := header(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	switch {
	case h>>21 != 0x7FF: // sync
		return 0, false
	case h.version() == 1, h.layer() == 4, h.bitrateIndex() == 15, h.rateIndex() == 3:
		return 0, false
	}
	return h, true
}

func (h header) version() int      { return int(h>>19) & 3 }
func (h header) layer() int        { return 4 - int(h>>17)&3 } // 1, 2 or 3 (4 is reserved)
func (h header) crc() bool         { return h>>16&1 == 0 }
func (h header) bitrateIndex() int { return int(h>>12) & 15 }
func (h header) rateIndex() int    { return int(h>>10) & 3 }
func (h header) padding() int      { return int(h>>9) & 1 }
func (h header) mode() int         { return int(h>>6) & 3 }
func (h header) modeExt() int      { return int(h>>4) & 3 }
func (h header) lsf() bool         { return h.version() != mpeg1 }
func (h header) freeFormat() bool  { return h.bitrateIndex() == 0 }
func (h header) channels() int {
	if h.mode() == modeMono {
		return 1
	}
	return 2
}

// sampleRate is the sampling frequency in Hz.
func (h header) sampleRate() int { return sampleRates[h.version()][h.rateIndex()] }

// bitrate is the bitrate in bit/s, 0 for free format.
func (h header) bitrate() int {
	lsf := 0
	if h.lsf() {
		lsf = 1
	}
	return bitrates[lsf][h.layer()-1][h.bitrateIndex()] * 1000
}

// frameSize is the length of the frame in bytes, header included; 0 for
// free format.
func (h header) frameSize() int {
	br, sr := h.bitrate(), h.sampleRate()
	switch {
	case h.layer() == 1:
		return (12*br/sr + h.padding()) * 4
	case h.layer() == 3 && h.lsf():
		return 72*br/sr + h.padding()
	}
	return 144*br/sr + h.padding()
}

// samplesPerFrame is the number of samples per channel a frame decodes to.
func (h header) samplesPerFrame() int {
	switch {
	case h.layer() == 1:
		return 384
	case h.layer() == 3 && h.lsf():
		return 576
	}
	return 1152
}

// sideInfoSize is the length of a Layer III frame's side information.
func (h header) sideInfoSize() int {
	switch {
	case !h.lsf() && h.channels() == 1:
		return 17
	case !h.lsf():
		return 32
	case h.channels() == 1:
		return 9
	}
	return 17
}

// sameStream reports whether g can follow h in one stream: the same
// version, layer and sampling frequency, and as many channels. Bitrate,
// padding, CRC protection and the stereo mode may change from frame to
// frame.
func (h header) sameStream(g header) bool {
	const fixed = 0xFFFE0C00 // sync, version, layer, sampling frequency
	return h&fixed == g&fixed && h.channels() == g.channels()
}
