package wav

import (
	"encoding/binary"
	"math"
)

// testChunk is a RIFF chunk for buildWAV.
type testChunk struct {
	id   string
	body []byte
}

// wavSpec describes a WAV file for buildWAV.
type wavSpec struct {
	tag        uint16 // WAVE format tag (1 PCM, 3 float, 6 A-law, 7 mu-law, ...)
	channels   int
	rate       int
	bits       int
	extensible bool        // write WAVE_FORMAT_EXTENSIBLE with tag in the GUID
	rf64       bool        // RF64 with a ds64 chunk and data size 0xFFFFFFFF
	before     []testChunk // chunks before fmt
	between    []testChunk // chunks between fmt and data
	after      []testChunk // chunks after data
	dataSize   int64       // declared data size; 0 means the real size, -1 writes 0
}

// appendChunk appends a chunk with its pad byte.
func appendChunk(b []byte, id string, body []byte) []byte {
	b = append(b, id...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// fmtBody returns the fmt chunk body of s.
func (s wavSpec) fmtBody() []byte {
	le := binary.LittleEndian
	blockAlign := s.channels * s.bits / 8
	tag := s.tag
	if s.extensible {
		tag = 0xFFFE
	}
	var b []byte
	b = le.AppendUint16(b, tag)
	b = le.AppendUint16(b, uint16(s.channels))
	b = le.AppendUint32(b, uint32(s.rate))
	b = le.AppendUint32(b, uint32(s.rate*blockAlign))
	b = le.AppendUint16(b, uint16(blockAlign))
	b = le.AppendUint16(b, uint16(s.bits))
	if s.extensible {
		b = le.AppendUint16(b, 22)
		b = le.AppendUint16(b, uint16(s.bits))        // valid bits
		b = le.AppendUint32(b, 1<<uint(s.channels)-1) // channel mask
		b = le.AppendUint16(b, s.tag)
		b = append(b, ksGUIDTail...)
	}
	return b
}

// buildWAV returns a WAV file of spec s holding the raw sample bytes data.
func buildWAV(s wavSpec, data []byte) []byte {
	le := binary.LittleEndian
	var body []byte
	if s.rf64 {
		var ds []byte
		ds = le.AppendUint64(ds, 0) // RIFF size: unknown to this writer
		ds = le.AppendUint64(ds, uint64(len(data)))
		ds = le.AppendUint64(ds, uint64(len(data)/max(1, s.channels*s.bits/8)))
		ds = le.AppendUint32(ds, 0) // table length
		body = appendChunk(body, "ds64", ds)
	}
	for _, c := range s.before {
		body = appendChunk(body, c.id, c.body)
	}
	body = appendChunk(body, "fmt ", s.fmtBody())
	for _, c := range s.between {
		body = appendChunk(body, c.id, c.body)
	}
	size := uint32(len(data))
	switch {
	case s.rf64:
		size = 0xFFFFFFFF
	case s.dataSize == -1:
		size = 0
	case s.dataSize != 0:
		size = uint32(s.dataSize)
	}
	body = append(body, "data"...)
	body = le.AppendUint32(body, size)
	body = append(body, data...)
	if len(data)%2 == 1 && len(s.after) > 0 {
		body = append(body, 0)
	}
	for _, c := range s.after {
		body = appendChunk(body, c.id, c.body)
	}
	magic := "RIFF"
	if s.rf64 {
		magic = "RF64"
	}
	out := append([]byte(magic), 0, 0, 0, 0)
	le.PutUint32(out[4:], uint32(4+len(body)))
	out = append(out, "WAVE"...)
	return append(out, body...)
}

// testSignal returns frames×channels interleaved raw samples of a different
// sine per channel, encoded as s describes, and the expected decoded value
// of each, planar.
func testSignal(s wavSpec, frames int) (data []byte, want [][]float64) {
	le := binary.LittleEndian
	want = make([][]float64, s.channels)
	for n := range frames {
		for c := range s.channels {
			f := 300 * float64(c+1)
			v := 0.8 * math.Sin(2*math.Pi*f*float64(n)/float64(s.rate)+0.3*float64(c))
			var dec float64
			switch {
			case s.tag == 1 && s.bits == 8:
				q := int(math.Round(v*127)) + 128
				data = append(data, byte(q))
				dec = float64(q-128) / 128
			case s.tag == 1 && s.bits == 16:
				q := int16(math.Round(v * 32767))
				data = le.AppendUint16(data, uint16(q))
				dec = float64(q) / 32768
			case s.tag == 1 && s.bits == 24:
				q := int32(math.Round(v * 8388607))
				data = append(data, byte(q), byte(q>>8), byte(q>>16))
				dec = float64(q) / 8388608
			case s.tag == 1 && s.bits == 32:
				q := int32(math.Round(v * 2147483647))
				data = le.AppendUint32(data, uint32(q))
				dec = float64(q) / 2147483648
			case s.tag == 3 && s.bits == 32:
				q := float32(v)
				data = le.AppendUint32(data, math.Float32bits(q))
				dec = float64(q)
			case s.tag == 3 && s.bits == 64:
				data = le.AppendUint64(data, math.Float64bits(v))
				dec = v
			case s.tag == 6 || s.tag == 7:
				// Companded: every code value, whatever the sine says.
				b := byte(n*s.channels + c)
				data = append(data, b)
				if s.tag == 6 {
					dec = float64(refALaw(b)) / 32768
				} else {
					dec = float64(refMuLaw(b)) / 32768
				}
			default:
				panic("testSignal: unsupported spec")
			}
			want[c] = append(want[c], dec)
		}
	}
	return data, want
}

// refALaw decodes G.711 A-law by its definition: sign, 3-bit segment,
// 4-bit step, even bits inverted; magnitudes in 13-bit units scaled to 16.
func refALaw(b byte) int {
	b ^= 0x55
	seg := int(b>>4) & 7
	step := int(b & 15)
	var mag int
	if seg == 0 {
		mag = 2*step + 1
	} else {
		mag = (2*step + 33) << (seg - 1)
	}
	mag <<= 3
	if b&0x80 == 0 {
		return -mag
	}
	return mag
}

// refMuLaw decodes G.711 mu-law by its definition: inverted bits, sign,
// 3-bit segment, 4-bit step, bias 33 in 14-bit units scaled to 16.
func refMuLaw(b byte) int {
	b = ^b
	seg := int(b>>4) & 7
	step := int(b & 15)
	mag := ((2*step+33)<<seg - 33) << 2
	if b&0x80 != 0 {
		return -mag
	}
	return mag
}
