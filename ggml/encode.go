package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode stores src as type t into dst, quantizing exactly as ggml's
// reference quantize_row_*_ref functions do (the ones whisper.cpp's
// quantize tool uses), so the bytes match a model quantized by whisper.cpp.
// len(src) must be a multiple of t.BlockSize() and len(dst) must be
// t.RowBytes(len(src)).
func (t Type) Encode(dst []byte, src []float32) error {
	if err := t.checkLen(len(src)); err != nil {
		return err
	}
	if want := t.RowBytes(len(src)); len(dst) != want {
		return fmt.Errorf("%w: %d elements of %v take %d bytes, dst has %d", ErrShape, len(src), t, want, len(dst))
	}
	switch t {
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], Float32ToFloat16(v))
		}
	case Q4_0:
		encodeBlocks(dst, src, 18, encodeQ4_0)
	case Q4_1:
		encodeBlocks(dst, src, 20, encodeQ4_1)
	case Q5_0:
		encodeBlocks(dst, src, 22, encodeQ5_0)
	case Q5_1:
		encodeBlocks(dst, src, 24, encodeQ5_1)
	case Q8_0:
		encodeBlocks(dst, src, 34, encodeQ8_0)
	}
	return nil
}

// encodeBlocks runs one block encoder over every block of src.
func encodeBlocks(dst []byte, src []float32, size int, block func(b []byte, x *[qk]float32)) {
	for i := 0; i < len(src)/qk; i++ {
		block(dst[i*size:(i+1)*size], (*[qk]float32)(src[i*qk:]))
	}
}

// putHalf writes f as a little-endian fp16 at b[0:2].
func putHalf(b []byte, f float32) { binary.LittleEndian.PutUint16(b, Float32ToFloat16(f)) }

// inverse is ggml's `d ? 1.0f/d : 0.0f`.
func inverse(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

// signedMax returns the element of largest magnitude (the first one on
// ties), as ggml's Q4_0 and Q5_0 quantizers pick it.
func signedMax(x *[qk]float32) float32 {
	var amax, max float32
	for _, v := range x {
		if a := float32(math.Abs(float64(v))); amax < a {
			amax, max = a, v
		}
	}
	return max
}

// minMax returns the smallest and largest elements.
func minMax(x *[qk]float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// Products are converted to float32 before any addition so the compiler
// cannot fuse them into an FMA; int8(f) truncates toward zero like C's
// (int8_t) cast for the in-range values these quantizers produce.

func encodeQ8_0(b []byte, x *[qk]float32) {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	d := amax / 127
	id := inverse(d)
	putHalf(b, d)
	for j, v := range x {
		b[2+j] = byte(int8(math.Round(float64(v * id))))
	}
}

func encodeQ4_0(b []byte, x *[qk]float32) {
	d := signedMax(x) / -8
	id := inverse(d)
	putHalf(b, d)
	for j := range qk / 2 {
		x0 := min(15, int8(float32(x[j]*id)+8.5))
		x1 := min(15, int8(float32(x[j+qk/2]*id)+8.5))
		b[2+j] = byte(x0) | byte(x1)<<4
	}
}

func encodeQ4_1(b []byte, x *[qk]float32) {
	lo, hi := minMax(x)
	d := (hi - lo) / 15
	id := inverse(d)
	putHalf(b, d)
	putHalf(b[2:], lo)
	for j := range qk / 2 {
		x0 := min(15, int8(float32((x[j]-lo)*id)+0.5))
		x1 := min(15, int8(float32((x[j+qk/2]-lo)*id)+0.5))
		b[4+j] = byte(x0) | byte(x1)<<4
	}
}

func encodeQ5_0(b []byte, x *[qk]float32) {
	d := signedMax(x) / -16
	id := inverse(d)
	putHalf(b, d)
	var qh uint32
	for j := range qk / 2 {
		x0 := byte(min(31, int8(float32(x[j]*id)+16.5)))
		x1 := byte(min(31, int8(float32(x[j+qk/2]*id)+16.5)))
		b[6+j] = x0&0x0f | x1&0x0f<<4
		qh |= uint32(x0&0x10) >> 4 << j
		qh |= uint32(x1&0x10) >> 4 << (j + qk/2)
	}
	binary.LittleEndian.PutUint32(b[2:], qh)
}

func encodeQ5_1(b []byte, x *[qk]float32) {
	lo, hi := minMax(x)
	d := (hi - lo) / 31
	id := inverse(d)
	putHalf(b, d)
	putHalf(b[2:], lo)
	var qh uint32
	for j := range qk / 2 {
		x0 := byte(float32((x[j]-lo)*id) + 0.5)
		x1 := byte(float32((x[j+qk/2]-lo)*id) + 0.5)
		b[8+j] = x0&0x0f | x1&0x0f<<4
		qh |= uint32(x0&0x10) >> 4 << j
		qh |= uint32(x1&0x10) >> 4 << (j + qk/2)
	}
	binary.LittleEndian.PutUint32(b[4:], qh)
}
