package audio

import "encoding/binary"

// Format is an audio container or stream format, as recognised from the
// first bytes of a file.
type Format uint8

// Formats Sniff recognises. Those after FormatADTS have no pure-Go decoder
// and need ffmpeg.
const (
	FormatUnknown Format = iota
	FormatWAV
	FormatFLAC
	FormatMP3
	FormatOgg
	FormatMatroska
	FormatMP4
	FormatADTS
	FormatMPEGLayer12
	FormatAIFF
	FormatCAF
	FormatAMR
	FormatASF
	FormatAPE
	FormatWavPack
	FormatAU
	FormatRIFX
	FormatRIFF
	FormatAC3
)

var formatNames = [...]string{
	FormatUnknown:     "unknown",
	FormatWAV:         "WAV",
	FormatFLAC:        "FLAC",
	FormatMP3:         "MP3",
	FormatOgg:         "Ogg",
	FormatMatroska:    "WebM/Matroska",
	FormatMP4:         "MP4/M4A",
	FormatADTS:        "AAC (ADTS)",
	FormatMPEGLayer12: "MPEG audio layer I/II",
	FormatAIFF:        "AIFF",
	FormatCAF:         "Core Audio (CAF)",
	FormatAMR:         "AMR",
	FormatASF:         "ASF/WMA",
	FormatAPE:         "Monkey's Audio (APE)",
	FormatWavPack:     "WavPack",
	FormatAU:          "Sun/NeXT AU",
	FormatRIFX:        "big-endian WAV (RIFX)",
	FormatRIFF:        "RIFF (not WAVE)",
	FormatAC3:         "AC-3",
}

// String returns the format's name, as error messages show it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// SniffLen is how many bytes after any ID3v2 tags Sniff looks at to decide.
// MPEG audio and ADTS need two frames in a row, so it is more than a header.
const SniffLen = 64 << 10

// id3Len returns the length of the ID3v2 tag at the start of b (header,
// body and footer), or 0 when b does not start with one. b needs 10 bytes.
func id3Len(b []byte) int64 {
	if len(b) < 10 || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF {
		return 0
	}
	for _, c := range b[6:10] {
		if c&0x80 != 0 {
			return 0
		}
	}
	n := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	n += 10
	if b[5]&0x10 != 0 { // footer present
		n += 10
	}
	return n
}

// Sniff recognises the format of the bytes b, which start right after any
// ID3v2 tags (see Open). It looks at magic numbers and, for MPEG audio and
// ADTS, which have none, at two consecutive frame headers.
func Sniff(b []byte) Format {
	has := func(off int, s string) bool {
		return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s
	}
	switch {
	case (has(0, "RIFF") || has(0, "RF64") || has(0, "BW64")) && has(8, "WAVE"):
		return FormatWAV
	case has(0, "RIFF"):
		return FormatRIFF
	case has(0, "RIFX"):
		return FormatRIFX
	case has(0, "fLaC"):
		return FormatFLAC
	case has(0, "OggS"):
		return FormatOgg
	case has(0, "\x1a\x45\xdf\xa3"):
		return FormatMatroska
	case has(4, "ftyp"), has(4, "moov"), has(4, "mdat"), has(4, "wide"), has(4, "free") && len(b) >= 8 && boxPlausible(b):
		return FormatMP4
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return FormatAIFF
	case has(0, "caff"):
		return FormatCAF
	case has(0, "#!AMR"):
		return FormatAMR
	case has(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
		return FormatASF
	case has(0, "MAC "):
		return FormatAPE
	case has(0, "wvpk"):
		return FormatWavPack
	case has(0, ".snd"):
		return FormatAU
	case has(0, "\x0b\x77"):
		return FormatAC3
	}
	if f := frames(b, 0); f != FormatUnknown {
		return f
	}
	// MPEG audio may follow junk or an unknown tag: look for two frames
	// in a row further in.
	for i := 1; i+4 <= len(b); i++ {
		if b[i] == 0xFF && b[i+1]&0xE0 == 0xE0 {
			if f := frames(b, i); f == FormatMP3 || f == FormatMPEGLayer12 {
				return f
			}
		}
	}
	return FormatUnknown
}

// boxPlausible reports whether b starts with an ISO BMFF box whose size
// could be one (a 'free' box first is legal in QuickTime files).
func boxPlausible(b []byte) bool {
	n := binary.BigEndian.Uint32(b)
	return n == 1 || n >= 8
}

// frames recognises two consecutive MPEG audio or ADTS frames at b[off:].
func frames(b []byte, off int) Format {
	f, n := frameHeader(b[off:])
	if f == FormatUnknown {
		return FormatUnknown
	}
	next := off + n
	if next+4 > len(b) {
		// The file ends after one frame: a header is all there is to go on.
		if next == len(b) {
			return f
		}
		return FormatUnknown
	}
	g, _ := frameHeader(b[next:])
	if g != f {
		return FormatUnknown
	}
	return f
}

// frameHeader parses an MPEG audio or ADTS frame header at the start of b
// and returns its kind and the frame's length in bytes.
func frameHeader(b []byte) (Format, int) {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return FormatUnknown, 0
	}
	version := b[1] >> 3 & 3 // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
	layer := b[1] >> 1 & 3   // 1: III, 2: II, 3: I, 0: ADTS when version is MPEG-2/4 syncword 0xFFF
	if layer == 0 {
		if b[1]&0xF0 != 0xF0 {
			return FormatUnknown, 0
		}
		// ADTS: 12-bit sync, sampling index < 13, frame length ≥ header.
		if b[2]>>2&0xF >= 13 {
			return FormatUnknown, 0
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		hdr := 7
		if b[1]&1 == 0 {
			hdr = 9
		}
		if n < hdr {
			return FormatUnknown, 0
		}
		return FormatADTS, n
	}
	bitrateIdx := b[2] >> 4
	rateIdx := b[2] >> 2 & 3
	if version == 1 || bitrateIdx == 0 || bitrateIdx == 15 || rateIdx == 3 {
		return FormatUnknown, 0 // reserved, or free format (not sniffed)
	}
	rate := [3]int{44100, 48000, 32000}[rateIdx]
	switch version {
	case 2:
		rate /= 2
	case 0:
		rate /= 4
	}
	lsf := version != 3
	kbps := bitrates[bitrateIndexRow(lsf, layer)][bitrateIdx]
	pad := int(b[2] >> 1 & 1)
	var n int
	switch layer {
	case 3: // layer I
		n = (12*kbps*1000/rate + pad) * 4
	case 2: // layer II
		n = 144*kbps*1000/rate + pad
	default: // layer III
		if lsf {
			n = 72*kbps*1000/rate + pad
		} else {
			n = 144*kbps*1000/rate + pad
		}
	}
	if n < 4 {
		return FormatUnknown, 0
	}
	if layer == 1 {
		return FormatMP3, n
	}
	return FormatMPEGLayer12, n
}

// bitrateIndexRow picks the row of bitrates for a version and layer.
func bitrateIndexRow(lsf bool, layer byte) int {
	switch {
	case !lsf && layer == 3:
		return 0
	case !lsf && layer == 2:
		return 1
	case !lsf:
		return 2
	case layer == 3:
		return 3
	}
	return 4
}

// bitrates in kbit/s by row (MPEG-1 layer I, II, III; MPEG-2/2.5 layer I,
// II and III) and index (ISO/IEC 11172-3 2.4.2.3, 13818-3 2.4.2.3).
var bitrates = [5][15]int{
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}
