package mp4

import (
	"encoding/binary"
	"fmt"
)

// Limits of sample description parsing.
const (
	// maxESDSSize is the largest esds box read. An AudioSpecificConfig is a
	// few bytes, a few hundred with a program_config_element and its
	// comment.
	maxESDSSize = 4096
	// audioEntryFixed is the length of the fields of an audio sample entry
	// before its child boxes: the SampleEntry header and the sound fields.
	audioEntryFixed = 28
	// quickTimeV1Extra and quickTimeV2Extra are the lengths of the fields a
	// QuickTime sound description of version 1 or 2 appends.
	quickTimeV1Extra = 16
	quickTimeV2Extra = 36
)

// Sample entry types of audio codecs.
const (
	formatMP4A = fourcc('m'<<24 | 'p'<<16 | '4'<<8 | 'a')
	formatEncA = fourcc('e'<<24 | 'n'<<16 | 'c'<<8 | 'a')
	formatMP3  = fourcc('.'<<24 | 'm'<<16 | 'p'<<8 | '3')
)

// sampleEntry is what the first sample description of a track says of its
// codec.
type sampleEntry struct {
	format   fourcc // sample entry type
	channels int    // channel count of the entry (QuickTime v2: of its extension)
	rate     int    // sample rate of the entry, in Hz (integer part)
	esds     decoderConfig
}

// parseStsd reads the stsd box of a sound track: its entry count and its
// first entry. Only entry 1 is decoded; the sample tables must not refer
// to others. buf holds the esds box and must outlive the entry.
func parseStsd(src *source, stsd box, buf *[maxESDSSize]byte) (sampleEntry, uint32, error) {
	var h [8]byte
	p, err := src.readPayload(stsd, h[:], 8, "stsd")
	if err != nil {
		return sampleEntry{}, 0, err
	}
	count := binary.BigEndian.Uint32(p[4:8])
	if count == 0 {
		return sampleEntry{}, 0, malformed("the sound track has no sample description (stsd entry count 0)")
	}
	it := boxes{src: src, next: stsd.body + 8, end: stsd.end, name: "stsd box"}
	eb, ok, err := it.nextBox()
	if err != nil {
		return sampleEntry{}, 0, err
	}
	if !ok {
		return sampleEntry{}, 0, malformed("the stsd box declares %d entries but holds none", count)
	}
	e, err := parseAudioEntry(src, eb, buf)
	return e, count, err
}

// parseAudioEntry parses an audio sample entry: the fields of ISO/IEC
// 14496-12's AudioSampleEntry (or QuickTime's sound description, version
// 0, 1 or 2), then, for mp4a, the esds box, directly inside or inside a
// QuickTime wave box.
func parseAudioEntry(src *source, eb box, buf *[maxESDSSize]byte) (sampleEntry, error) {
	var f [audioEntryFixed + quickTimeV2Extra]byte
	p, err := src.readPayload(eb, f[:], audioEntryFixed, "audio sample entry")
	if err != nil {
		return sampleEntry{}, err
	}
	be := binary.BigEndian
	e := sampleEntry{
		format:   eb.typ,
		channels: int(be.Uint16(p[16:18])),
		rate:     int(be.Uint32(p[24:28]) >> 16),
	}
	version := be.Uint16(p[8:10])
	first := eb.body + audioEntryFixed
	switch version {
	case 0:
	case 1:
		// QuickTime's version 1 appends 16 bytes of fields; ISO's
		// AudioSampleEntryV1 has the same version number but starts its
		// boxes at once. Tell them apart by whether a child box fits there.
		if !startsBoxes(p[audioEntryFixed:], eb.end-first) {
			first += quickTimeV1Extra
		}
	case 2:
		if len(p) < audioEntryFixed+quickTimeV2Extra {
			return sampleEntry{}, malformed("the QuickTime version 2 sound description is %d bytes, need %d", eb.size(), audioEntryFixed+quickTimeV2Extra)
		}
		e.channels = int(be.Uint32(p[audioEntryFixed+12:]))
		first += quickTimeV2Extra
	default:
		return sampleEntry{}, unsupported("QuickTime sound description version %d", version)
	}
	if first > eb.end {
		return sampleEntry{}, malformed("the audio sample entry is %d bytes, too short for its version %d fields", eb.size(), version)
	}
	if e.format == formatEncA {
		return sampleEntry{}, unsupported("encrypted audio (enca sample entry: Common Encryption or DRM)")
	}
	if e.format != formatMP4A {
		return e, nil
	}
	esds, err := findESDS(src, boxes{src: src, next: first, end: eb.end, name: "mp4a sample entry"}, true)
	if err != nil {
		return sampleEntry{}, err
	}
	if esds.typ == 0 {
		return sampleEntry{}, malformed("the mp4a sample entry has no esds box")
	}
	if esds.size() > maxESDSSize {
		return sampleEntry{}, malformed("the esds box is %d bytes, more than the %d accepted", esds.size(), maxESDSSize)
	}
	q, err := src.readPayload(esds, buf[:], 4, "esds")
	if err != nil {
		return sampleEntry{}, err
	}
	if e.esds, err = parseESDS(q[4:]); err != nil {
		return sampleEntry{}, err
	}
	return e, nil
}

// findESDS returns the esds box among the boxes of it, looking inside a
// QuickTime wave box when wave is true; its typ is 0 when there is none.
func findESDS(src *source, it boxes, wave bool) (box, error) {
	for {
		b, ok, err := it.nextBox()
		if err != nil || !ok {
			return box{}, err
		}
		switch {
		case b.typ == typeEsds:
			return b, nil
		case b.typ == typeWave && wave:
			w, err := findESDS(src, src.children(b, "wave box"), false)
			if err != nil || w.typ != 0 {
				return w, err
			}
		}
	}
}

// startsBoxes reports whether p, the first bytes of n bytes left in a
// sample entry, starts with a box header that fits in them and whose
// type is four printable characters.
func startsBoxes(p []byte, n int64) bool {
	if len(p) < 8 || n < 8 {
		return n == 0
	}
	size := int64(binary.BigEndian.Uint32(p[:4]))
	if size < 8 || size > n {
		return false
	}
	for _, c := range p[4:8] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// codecName names the codec of a sample entry type, for errors.
func codecName(f fourcc) string {
	switch f {
	case fourcc('O'<<24 | 'p'<<16 | 'u'<<8 | 's'):
		return "Opus"
	case fourcc('f'<<24 | 'L'<<16 | 'a'<<8 | 'C'):
		return "FLAC"
	case fourcc('a'<<24 | 'l'<<16 | 'a'<<8 | 'c'):
		return "ALAC (Apple Lossless)"
	case fourcc('a'<<24 | 'c'<<16 | '-'<<8 | '3'):
		return "AC-3"
	case fourcc('e'<<24 | 'c'<<16 | '-'<<8 | '3'):
		return "E-AC-3"
	case fourcc('a'<<24 | 'c'<<16 | '-'<<8 | '4'):
		return "AC-4"
	case fourcc('s'<<24 | 'a'<<16 | 'm'<<8 | 'r'):
		return "AMR-NB"
	case fourcc('s'<<24 | 'a'<<16 | 'w'<<8 | 'b'):
		return "AMR-WB"
	case fourcc('s'<<24 | 'a'<<16 | 'w'<<8 | 'p'):
		return "AMR-WB+"
	case fourcc('.'<<24 | 'm'<<16 | 'p'<<8 | '3'):
		return "MP3"
	case fourcc('.'<<24 | 'm'<<16 | 'p'<<8 | '2'):
		return "MP2"
	case fourcc('d'<<24 | 't'<<16 | 's'<<8 | 'c'),
		fourcc('d'<<24 | 't'<<16 | 's'<<8 | 'h'),
		fourcc('d'<<24 | 't'<<16 | 's'<<8 | 'l'),
		fourcc('d'<<24 | 't'<<16 | 's'<<8 | 'e'):
		return "DTS"
	case fourcc('m'<<24 | 'h'<<16 | 'a'<<8 | '1'),
		fourcc('m'<<24 | 'h'<<16 | 'm'<<8 | '1'):
		return "MPEG-H 3D Audio"
	case fourcc('s'<<24 | 'o'<<16 | 'w'<<8 | 't'),
		fourcc('t'<<24 | 'w'<<16 | 'o'<<8 | 's'),
		fourcc('l'<<24 | 'p'<<16 | 'c'<<8 | 'm'),
		fourcc('i'<<24 | 'p'<<16 | 'c'<<8 | 'm'),
		fourcc('f'<<24 | 'p'<<16 | 'c'<<8 | 'm'),
		fourcc('i'<<24 | 'n'<<16 | '2'<<8 | '4'),
		fourcc('i'<<24 | 'n'<<16 | '3'<<8 | '2'),
		fourcc('f'<<24 | 'l'<<16 | '3'<<8 | '2'),
		fourcc('f'<<24 | 'l'<<16 | '6'<<8 | '4'),
		fourcc('r'<<24 | 'a'<<16 | 'w'<<8 | ' '),
		fourcc('N'<<24 | 'O'<<16 | 'N'<<8 | 'E'):
		return "PCM"
	case fourcc('u'<<24 | 'l'<<16 | 'a'<<8 | 'w'),
		fourcc('a'<<24 | 'l'<<16 | 'a'<<8 | 'w'):
		return "G.711"
	case fourcc('i'<<24 | 'm'<<16 | 'a'<<8 | '4'):
		return "IMA ADPCM"
	case fourcc('Q'<<24 | 'c'<<16 | 'l'<<8 | 'p'),
		fourcc('s'<<24 | 'q'<<16 | 'c'<<8 | 'p'):
		return "QCELP"
	case fourcc('s'<<24 | 'e'<<16 | 'v'<<8 | 'c'):
		return "EVRC"
	case fourcc('Q'<<24 | 'D'<<16 | 'M'<<8 | '2'),
		fourcc('Q'<<24 | 'D'<<16 | 'M'<<8 | 'C'):
		return "QDesign"
	case fourcc('M'<<24 | 'A'<<16 | 'C'<<8 | '3'),
		fourcc('M'<<24 | 'A'<<16 | 'C'<<8 | '6'):
		return "MACE"
	}
	return "an unknown codec's" // the sample entry type is bytes of the file: never repeated
}

// objectTypeName names the codec of an esds objectTypeIndication, for
// errors.
func objectTypeName(oti byte) string {
	switch oti {
	case otiMPEG2AACMain:
		return "MPEG-2 AAC Main"
	case otiMPEG2AACSSR:
		return "MPEG-2 AAC SSR"
	case otiMPEG1Audio, otiMPEG2Audio:
		return "MP3 (MPEG audio layer III or II)"
	case otiAC3:
		return "AC-3"
	case otiEAC3:
		return "E-AC-3"
	case otiDTS:
		return "DTS"
	case otiOpus:
		return "Opus"
	case otiVorbis:
		return "Vorbis"
	case otiQCELP:
		return "QCELP"
	}
	return fmt.Sprintf("an unknown codec (objectTypeIndication 0x%02x)", oti)
}
