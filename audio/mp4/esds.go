package mp4

// Descriptor tags of ISO/IEC 14496-1 that an esds box holds.
const (
	tagESDescriptor      = 0x03
	tagDecoderConfig     = 0x04
	tagDecoderSpecific   = 0x05
	decoderConfigFixed   = 13 // objectTypeIndication … avgBitrate
	maxDescriptorSizeLen = 4
)

// Values of objectTypeIndication (the MP4 registration authority's list)
// that name audio codecs.
const (
	otiMPEG4Audio   = 0x40 // MPEG-4 audio: AAC and its relatives
	otiMPEG2AACMain = 0x66
	otiMPEG2AACLC   = 0x67
	otiMPEG2AACSSR  = 0x68
	otiMPEG2Audio   = 0x69 // MPEG-2 BC audio: MP3 or MP2 at low rates
	otiMPEG1Audio   = 0x6B // MPEG-1 audio: MP3 or MP2
	otiAC3          = 0xA5
	otiEAC3         = 0xA6
	otiDTS          = 0xA9
	otiOpus         = 0xAD
	otiVorbis       = 0xDD
	otiQCELP        = 0xE1
)

// decoderConfig is what an esds box says of an elementary stream.
type decoderConfig struct {
	objectType byte   // objectTypeIndication
	specific   []byte // DecoderSpecificInfo (for AAC, the AudioSpecificConfig), or nil
}

// parseESDS parses the payload of an esds box, after its version and
// flags: an ES_Descriptor holding a DecoderConfigDescriptor holding the
// DecoderSpecificInfo. Some QuickTime writers put the
// DecoderConfigDescriptor at the top; that is accepted too. The returned
// bytes alias p.
func parseESDS(p []byte) (decoderConfig, error) {
	tag, body, _, err := readDescriptor(p)
	if err != nil {
		return decoderConfig{}, err
	}
	switch tag {
	case tagDecoderConfig:
		return parseDecoderConfig(body)
	case tagESDescriptor:
	default:
		return decoderConfig{}, malformed("the esds box holds descriptor tag %d, not an ES_Descriptor", tag)
	}
	if len(body) < 3 {
		return decoderConfig{}, malformed("the ES_Descriptor is %d bytes, too short", len(body))
	}
	flags := body[2]
	rest := body[3:]
	skip := 0
	if flags&0x80 != 0 { // streamDependenceFlag: dependsOn_ES_ID
		skip += 2
	}
	if flags&0x40 != 0 { // URL_Flag: URLlength and URLstring
		if len(rest) < skip+1 {
			return decoderConfig{}, malformed("the ES_Descriptor ends inside its URL")
		}
		skip += 1 + int(rest[skip])
	}
	if flags&0x20 != 0 { // OCRstreamFlag: OCR_ES_Id
		skip += 2
	}
	if len(rest) < skip {
		return decoderConfig{}, malformed("the ES_Descriptor ends inside its optional fields")
	}
	rest = rest[skip:]
	for len(rest) > 0 {
		tag, body, next, err := readDescriptor(rest)
		if err != nil {
			return decoderConfig{}, err
		}
		if tag == tagDecoderConfig {
			return parseDecoderConfig(body)
		}
		rest = next
	}
	return decoderConfig{}, malformed("the ES_Descriptor has no DecoderConfigDescriptor")
}

// parseDecoderConfig parses a DecoderConfigDescriptor's body.
func parseDecoderConfig(p []byte) (decoderConfig, error) {
	if len(p) < decoderConfigFixed {
		return decoderConfig{}, malformed("the DecoderConfigDescriptor is %d bytes, need %d", len(p), decoderConfigFixed)
	}
	c := decoderConfig{objectType: p[0]}
	rest := p[decoderConfigFixed:]
	for len(rest) > 0 {
		tag, body, next, err := readDescriptor(rest)
		if err != nil {
			return decoderConfig{}, err
		}
		if tag == tagDecoderSpecific {
			c.specific = body
			break
		}
		rest = next
	}
	return c, nil
}

// readDescriptor splits the descriptor at the start of p into its tag, its
// body and what follows it. The size is ISO/IEC 14496-1's expandable
// field: up to four bytes of seven bits, the top bit set on all but the
// last.
func readDescriptor(p []byte) (tag byte, body, rest []byte, err error) {
	if len(p) < 2 {
		return 0, nil, nil, malformed("a descriptor in the esds box is cut short")
	}
	tag = p[0]
	size, i := 0, 1
	for {
		if i > maxDescriptorSizeLen || i >= len(p) {
			return 0, nil, nil, malformed("a descriptor size in the esds box is longer than %d bytes or cut short", maxDescriptorSizeLen)
		}
		b := p[i]
		i++
		size = size<<7 | int(b&0x7F)
		if b&0x80 == 0 {
			break
		}
	}
	if size > len(p)-i {
		return 0, nil, nil, malformed("a descriptor of %d bytes extends past the esds box (%d bytes left)", size, len(p)-i)
	}
	return tag, p[i : i+size], p[i+size:], nil
}
