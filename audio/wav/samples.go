package pipeline

import "math"

// monoFunc converts len(dst) frames of interleaved little-endian samples in
// src (len(dst)×frame size bytes) to mono float32: the mean of the channels,
// scaled to [-1, 1].
type monoFunc func(dst []float32, src []byte, channels int)

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

// monoU8 converts unsigned 8-bit PCM (128 is silence).
func monoU8(dst []float32, src []byte, ch int) {
	if ch == 1 {
		src = src[:len(dst)]
		for i, b := range src {
			dst[i] = float32(int32(b)-128) * (1.0 / 128)
		}
		return
	}
	scale := float32(1.0 / (128 * float64(ch)))
	for i := range dst {
		f := src[i*ch : i*ch+ch]
		var sum int32
		for _, b := range f {
			sum += int32(b) - 128
		}
		dst[i] = float32(sum) * scale
	}
}

// monoS16 converts signed 16-bit PCM.
func monoS16(dst []float32, src []byte, ch int) {
	switch ch {
	case 1:
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = float32(le16(src[2*i:2*i+2])) * (1.0 / 32768)
		}
	case 2:
		src = src[:4*len(dst)]
		for i := range dst {
			f := src[4*i : 4*i+4]
			dst[i] = float32(le16(f[0:2])+le16(f[2:4])) * (1.0 / 65536)
		}
	default:
		fs := 2 * ch
		scale := float32(1.0 / (32768 * float64(ch)))
		for i := range dst {
			f := src[i*fs : i*fs+fs]
			var sum int32
			for c := 0; c+2 <= len(f); c += 2 {
				sum += le16(f[c : c+2])
			}
			dst[i] = float32(sum) * scale
		}
	}
}

// monoS24 converts signed 24-bit PCM.
func monoS24(dst []float32, src []byte, ch int) {
	fs := 3 * ch
	scale := 1.0 / (8388608 * float64(ch))
	for i := range dst {
		f := src[i*fs : i*fs+fs]
		var sum int64
		for c := 0; c+3 <= len(f); c += 3 {
			sum += int64(le24(f[c : c+3]))
		}
		dst[i] = float32(float64(sum) * scale)
	}
}

// monoS32 converts signed 32-bit PCM.
func monoS32(dst []float32, src []byte, ch int) {
	fs := 4 * ch
	scale := 1.0 / (2147483648 * float64(ch))
	for i := range dst {
		f := src[i*fs : i*fs+fs]
		var sum int64
		for c := 0; c+4 <= len(f); c += 4 {
			sum += int64(le32(f[c : c+4]))
		}
		dst[i] = float32(float64(sum) * scale)
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

// monoF32 converts IEEE float 32-bit samples.
func monoF32(dst []float32, src []byte, ch int) {
	fs := 4 * ch
	inv := 1 / float64(ch)
	for i := range dst {
		f := src[i*fs : i*fs+fs]
		var sum float64
		for c := 0; c+4 <= len(f); c += 4 {
			sum += float64(math.Float32frombits(uint32(le32(f[c : c+4]))))
		}
		if ch > 1 {
			sum *= inv
		}
		dst[i] = clampUnit(sum)
	}
}

// monoF64 converts IEEE float 64-bit samples.
func monoF64(dst []float32, src []byte, ch int) {
	fs := 8 * ch
	inv := 1 / float64(ch)
	for i := range dst {
		f := src[i*fs : i*fs+fs]
		var sum float64
		for c := 0; c+8 <= len(f); c += 8 {
			b := f[c : c+8]
			u := uint64(uint32(le32(b[0:4]))) | uint64(uint32(le32(b[4:8])))<<32
			sum += math.Float64frombits(u)
		}
		if ch > 1 {
			sum *= inv
		}
		dst[i] = clampUnit(sum)
	}
}

// monoTable returns a converter for 8-bit companded samples decoded by t.
func monoTable(t *[256]float32) monoFunc {
	return func(dst []float32, src []byte, ch int) {
		if ch == 1 {
			src = src[:len(dst)]
			for i, b := range src {
				dst[i] = t[b]
			}
			return
		}
		inv := 1 / float32(ch)
		for i := range dst {
			var sum float32
			for _, b := range src[i*ch : i*ch+ch] {
				sum += t[b]
			}
			dst[i] = sum * inv
		}
	}
}

// G.711 decoding tables, scaled to [-1, 1].
var (
	alawTable  = g711Table(alawDecode)
	mulawTable = g711Table(mulawDecode)
	monoALaw   = monoTable(&alawTable)
	monoMuLaw  = monoTable(&mulawTable)
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
