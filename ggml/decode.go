package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Decode dequantizes src, stored as type t, into dst, exactly as ggml's
// dequantize_row_* functions do. len(dst) must be a multiple of
// t.BlockSize() and len(src) must be t.RowBytes(len(dst)).
func (t Type) Decode(dst []float32, src []byte) error {
	if err := t.checkLen(len(dst)); err != nil {
		return err
	}
	if want := t.RowBytes(len(dst)); len(src) != want {
		return fmt.Errorf("%w: %d elements of %v take %d bytes, got %d", ErrShape, len(dst), t, want, len(src))
	}
	switch t {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = Float16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case Q4_0:
		decodeBlocks(dst, src, 18, decodeQ4_0)
	case Q4_1:
		decodeBlocks(dst, src, 20, decodeQ4_1)
	case Q5_0:
		decodeBlocks(dst, src, 22, decodeQ5_0)
	case Q5_1:
		decodeBlocks(dst, src, 24, decodeQ5_1)
	case Q8_0:
		decodeBlocks(dst, src, 34, decodeQ8_0)
	}
	return nil
}

// decodeBlocks runs one block decoder over every block of src.
func decodeBlocks(dst []float32, src []byte, size int, block func(y *[qk]float32, b []byte)) {
	for i := 0; i < len(dst)/qk; i++ {
		block((*[qk]float32)(dst[i*qk:]), src[i*size:(i+1)*size])
	}
}

// half reads a little-endian fp16 at b[0:2] as float32.
func half(b []byte) float32 { return Float16ToFloat32(binary.LittleEndian.Uint16(b)) }

// The products below are converted to float32 before any addition so the
// compiler cannot fuse them into an FMA: results match ggml's C bit for bit.

func decodeQ8_0(y *[qk]float32, b []byte) {
	d := half(b)
	qs := b[2 : 2+qk]
	for j := range y {
		y[j] = float32(int8(qs[j])) * d
	}
}

func decodeQ4_0(y *[qk]float32, b []byte) {
	d := half(b)
	qs := b[2 : 2+qk/2]
	for j := range qk / 2 {
		y[j] = float32(int(qs[j]&0x0f)-8) * d
		y[j+qk/2] = float32(int(qs[j]>>4)-8) * d
	}
}

func decodeQ4_1(y *[qk]float32, b []byte) {
	d, m := half(b), half(b[2:])
	qs := b[4 : 4+qk/2]
	for j := range qk / 2 {
		y[j] = float32(float32(qs[j]&0x0f)*d) + m
		y[j+qk/2] = float32(float32(qs[j]>>4)*d) + m
	}
}

func decodeQ5_0(y *[qk]float32, b []byte) {
	d := half(b)
	qh := binary.LittleEndian.Uint32(b[2:])
	qs := b[6 : 6+qk/2]
	for j := range qk / 2 {
		xh0 := byte(qh>>j<<4) & 0x10
		xh1 := byte(qh>>(j+12)) & 0x10
		y[j] = float32(int(qs[j]&0x0f|xh0)-16) * d
		y[j+qk/2] = float32(int(qs[j]>>4|xh1)-16) * d
	}
}

func decodeQ5_1(y *[qk]float32, b []byte) {
	d, m := half(b), half(b[2:])
	qh := binary.LittleEndian.Uint32(b[4:])
	qs := b[8 : 8+qk/2]
	for j := range qk / 2 {
		xh0 := byte(qh>>j<<4) & 0x10
		xh1 := byte(qh>>(j+12)) & 0x10
		y[j] = float32(float32(qs[j]&0x0f|xh0)*d) + m
		y[j+qk/2] = float32(float32(qs[j]>>4|xh1)*d) + m
	}
}
