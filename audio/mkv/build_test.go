package mkv

import (
	"encoding/binary"
	"math"
)

// This file builds Matroska files in memory for the tests: every element
// with the shortest size field, unless built with unknownSizeEl.

// idBytes is an element ID as written.
func idBytes(id uint32) []byte {
	switch {
	case id >= 1<<24:
		return []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	case id >= 1<<16:
		return []byte{byte(id >> 16), byte(id >> 8), byte(id)}
	case id >= 1<<8:
		return []byte{byte(id >> 8), byte(id)}
	}
	return []byte{byte(id)}
}

// sizeBytes is the shortest EBML size field for n (never the all-ones
// value of its length, which means unknown).
func sizeBytes(n uint64) []byte {
	l := 1
	for n >= 1<<(7*l)-1 {
		l++
	}
	b := make([]byte, l)
	for i := l - 1; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
	b[0] |= 0x80 >> (l - 1)
	return b
}

// el builds an element of the given ID around the concatenated parts.
func el(id uint32, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	out := append(idBytes(id), sizeBytes(uint64(len(data)))...)
	return append(out, data...)
}

// unknownSizeEl builds an element whose size field says "unknown" (the
// 8-byte form MediaRecorder writes).
func unknownSizeEl(id uint32, parts ...[]byte) []byte {
	out := append(idBytes(id), 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// uintEl builds an unsigned integer element, in the fewest bytes.
func uintEl(id uint32, v uint64) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return el(id, b)
}

// intEl builds a signed integer element in 8 bytes.
func intEl(id uint32, v int64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// floatEl builds an 8-byte float element.
func floatEl(id uint32, v float64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
}

// strEl builds a string element.
func strEl(id uint32, s string) []byte { return el(id, []byte(s)) }

// ebmlHeaderEl builds the EBML header of a document of the given type.
func ebmlHeaderEl(docType string, readVersion uint64) []byte {
	return el(idEBML, uintEl(idEBMLVersion, 1), uintEl(idEBMLReadVersion, 1),
		uintEl(idEBMLMaxIDLength, 4), uintEl(idEBMLMaxSizeLength, 8),
		strEl(idDocType, docType), uintEl(idDocTypeVersion, 4), uintEl(idDocTypeReadVersion, readVersion))
}

// audioTrackEl builds an audio TrackEntry; extra elements are appended.
func audioTrackEl(number uint64, codecID string, private []byte, rate float64, channels uint64, extra ...[]byte) []byte {
	parts := [][]byte{uintEl(idTrackNumber, number), uintEl(0x73C5, number), uintEl(idTrackType, trackTypeAudio),
		strEl(idCodecID, codecID)}
	if private != nil {
		parts = append(parts, el(idCodecPrivate, private))
	}
	parts = append(parts, el(idAudio, floatEl(idSamplingFreq, rate), uintEl(idChannels, channels)))
	return el(idTrackEntry, append(parts, extra...)...)
}

// videoTrackEl builds a video TrackEntry.
func videoTrackEl(number uint64) []byte {
	return el(idTrackEntry, uintEl(idTrackNumber, number), uintEl(idTrackType, 1), strEl(idCodecID, "V_VP8"),
		el(0xE0, uintEl(0xB0, 16), uintEl(0xBA, 16)))
}

// blockBytes builds the data of a Block or SimpleBlock holding frames,
// laced with the given mode when there are several (or when forced).
func blockBytes(track uint64, ts int16, flags byte, mode int, frames ...[]byte) []byte {
	b := append(sizeBytes(track), byte(uint16(ts)>>8), byte(ts), flags|byte(mode<<1))
	if mode != lacingNone {
		b = append(b, byte(len(frames)-1))
		switch mode {
		case lacingXiph:
			for _, f := range frames[:len(frames)-1] {
				n := len(f)
				for ; n >= 255; n -= 255 {
					b = append(b, 255)
				}
				b = append(b, byte(n))
			}
		case lacingEBML:
			b = append(b, sizeBytes(uint64(len(frames[0])))...)
			for i := 1; i < len(frames)-1; i++ {
				// A signed difference in 4 bytes: bias 2^27-1.
				d := int64(len(frames[i])-len(frames[i-1])) + (1<<27 - 1)
				b = append(b, 0x10|byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
			}
		}
	}
	for _, f := range frames {
		b = append(b, f...)
	}
	return b
}

// simpleBlockEl builds a SimpleBlock (a keyframe).
func simpleBlockEl(track uint64, ts int16, mode int, frames ...[]byte) []byte {
	return el(idSimpleBlock, blockBytes(track, ts, 0x80, mode, frames...))
}

// blockGroupEl builds a BlockGroup whose Block holds frames, with a
// DiscardPadding element when padding is not nil.
func blockGroupEl(track uint64, ts int16, padding *int64, mode int, frames ...[]byte) []byte {
	parts := [][]byte{el(idBlock, blockBytes(track, ts, 0, mode, frames...))}
	if padding != nil {
		parts = append(parts, intEl(idDiscardPadding, *padding))
	}
	return el(idBlockGroup, parts...)
}

// opusHead builds an OpusHead of family 0.
func opusHead(channels int, preSkip uint16) []byte {
	h := []byte("OpusHead")
	h = append(h, 1, byte(channels))
	h = binary.LittleEndian.AppendUint16(h, preSkip)
	h = binary.LittleEndian.AppendUint32(h, 48000)
	return append(h, 0, 0, 0)
}

// matroska builds a whole file: EBML header, then a Segment of the given
// tracks and the given Clusters (already built).
func matroska(docType string, tracks [][]byte, clusters ...[]byte) []byte {
	seg := [][]byte{el(idInfo, uintEl(idTimestampScale, 1000000)), el(idTracks, tracks...)}
	return append(ebmlHeaderEl(docType, 2), el(idSegment, append(seg, clusters...)...)...)
}

// padding returns a pointer to v, for blockGroupEl.
func padding(v int64) *int64 { return &v }
