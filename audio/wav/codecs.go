package wav

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
