package wav

import "math"

// convertFunc converts len(dst[0]) frames of interleaved little-endian
// samples in src to planar float32 in dst (one slice per channel), scaled to
// [-1, 1].
type convertFunc func(dst [][]float32, src []byte)

// le16 reads a little-endian signed 16-bit sample.
func le16(b []byte) int32 { return int32(int16(uint16(b[0]) | uint16(b[1])<<8)) }

// le24 reads a little-endian signed 24-bit sample.
func le24(b []byte) int32 {
	return int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
}

// le32 reads a little-endian signed 32-bit sample.
func le32(b []byte) int32 {
	return int32(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
}

// convertU8 converts unsigned 8-bit PCM (128 is silence).
func convertU8(dst [][]float32, src []byte) {
	ch := len(dst)
	for c, d := range dst {
		for i := range d {
			d[i] = float32(int32(src[i*ch+c])-128) * (1.0 / 128)
		}
	}
}

// convertS16 converts signed 16-bit PCM.
func convertS16(dst [][]float32, src []byte) {
	ch := len(dst)
	if ch == 1 {
		d := dst[0]
		src = src[:2*len(d)]
		for i := range d {
			d[i] = float32(le16(src[2*i:])) * (1.0 / 32768)
		}
		return
	}
	fs := 2 * ch
	for c, d := range dst {
		for i := range d {
			d[i] = float32(le16(src[i*fs+2*c:])) * (1.0 / 32768)
		}
	}
}

// convertS24 converts signed 24-bit PCM.
func convertS24(dst [][]float32, src []byte) {
	fs := 3 * len(dst)
	for c, d := range dst {
		for i := range d {
			d[i] = float32(le24(src[i*fs+3*c:])) * (1.0 / 8388608)
		}
	}
}

// convertS32 converts signed 32-bit PCM.
func convertS32(dst [][]float32, src []byte) {
	fs := 4 * len(dst)
	for c, d := range dst {
		for i := range d {
			d[i] = float32(float64(le32(src[i*fs+4*c:])) * (1.0 / 2147483648))
		}
	}
}

// clampUnit maps v into [-1, 1]; NaN becomes 0. Float WAV data is nominally
// in [-1, 1]; anything outside is clipped as an integer format would be, and
// a NaN or infinity must not poison the spectrogram.
func clampUnit(v float64) float32 {
	switch {
	case v >= 1:
		return 1
	case v <= -1:
		return -1
	case v == v:
		return float32(v)
	}
	return 0
}

// convertF32 converts IEEE float 32-bit samples.
func convertF32(dst [][]float32, src []byte) {
	fs := 4 * len(dst)
	for c, d := range dst {
		for i := range d {
			d[i] = clampUnit(float64(math.Float32frombits(uint32(le32(src[i*fs+4*c:])))))
		}
	}
}

// convertF64 converts IEEE float 64-bit samples.
func convertF64(dst [][]float32, src []byte) {
	fs := 8 * len(dst)
	for c, d := range dst {
		for i := range d {
			b := src[i*fs+8*c:]
			u := uint64(uint32(le32(b[0:4]))) | uint64(uint32(le32(b[4:8])))<<32
			d[i] = clampUnit(math.Float64frombits(u))
		}
	}
}

// convertTable returns a converter for 8-bit companded samples decoded by t.
func convertTable(t *[256]float32) convertFunc {
	return func(dst [][]float32, src []byte) {
		ch := len(dst)
		for c, d := range dst {
			for i := range d {
				d[i] = t[src[i*ch+c]]
			}
		}
	}
}

// G.711 decoding tables, scaled to [-1, 1].
var (
	alawTable    = g711Table(alawDecode)
	mulawTable   = g711Table(mulawDecode)
	convertALaw  = convertTable(&alawTable)
	convertMuLaw = convertTable(&mulawTable)
)

func g711Table(dec func(byte) int16) [256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float32(dec(byte(i))) / 32768
	}
	return t
}

// alawDecode decodes one ITU-T G.711 A-law byte to 16-bit linear PCM.
func alawDecode(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0F) << 4
	switch seg := (a & 0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// mulawDecode decodes one ITU-T G.711 mu-law byte to 16-bit linear PCM.
func mulawDecode(u byte) int16 {
	u = ^u
	t := (int32(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}
