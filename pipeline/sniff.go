package pipeline

// sniffFormat names the well-known non-WAV audio or container format that b
// (the first bytes of a file) starts with, or returns "" when b is not
// recognised.
func sniffFormat(b []byte) string {
	has := func(off int, s string) bool {
		return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s
	}
	switch {
	case has(0, "ID3"):
		return "MP3 (ID3-tagged)"
	case has(0, "OggS"):
		return "Ogg (Vorbis/Opus)"
	case has(0, "fLaC"):
		return "FLAC"
	case has(4, "ftyp"):
		return "MP4/M4A"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "AIFF"
	case has(0, "\x1aE\xdf\xa3"):
		return "Matroska/WebM"
	case has(0, "#!AMR"):
		return "AMR"
	case has(0, "caff"):
		return "Core Audio (CAF)"
	case has(0, ".snd"):
		return "Sun/NeXT AU"
	case has(0, "RIFX"):
		return "big-endian WAV (RIFX)"
	case has(0, "MAC "):
		return "Monkey's Audio (APE)"
	case has(0, "wvpk"):
		return "WavPack"
	case has(0, "0&\xb2\x75\x8e\x66\xcf\x11"):
		return "ASF/WMA"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0:
		return "AAC (ADTS)"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return "MP3 (MPEG audio)"
	}
	return ""
}

// wavCodecName names a WAVE format tag that is not decoded, for error
// messages.
func wavCodecName(tag uint16) string {
	switch tag {
	case 0x0002:
		return "Microsoft ADPCM"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0022:
		return "DSP Group TrueSpeech"
	case 0x0031:
		return "GSM 6.10"
	case 0x0040:
		return "G.721 ADPCM"
	case 0x0050:
		return "MPEG audio"
	case 0x0055:
		return "MPEG Layer 3 (MP3)"
	case 0x0064:
		return "G.726 ADPCM"
	case 0x0065:
		return "G.722 ADPCM"
	case 0x0092:
		return "Dolby AC-3"
	case 0x00FF, 0x1610:
		return "AAC"
	case 0x0161, 0x0162, 0x0163:
		return "Windows Media Audio"
	case 0x674F, 0x6750, 0x6751, 0x676F, 0x6770, 0x6771:
		return "Ogg Vorbis"
	case 0xF1AC:
		return "FLAC"
	}
	return "unknown"
}
