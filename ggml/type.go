package ggml

import "fmt"

// Type is a ggml tensor element type, numbered as in ggml.h's enum
// ggml_type. Only the types whisper.cpp's ggml model files use are known.
type Type uint32

// The supported ggml types. The quantized ones store blocks of 32 elements.
const (
	F32  Type = 0 // float32
	F16  Type = 1 // IEEE 754 half precision
	Q4_0 Type = 2 // block of 32: fp16 scale d, 16 bytes of 4-bit quants; x = d·(q−8)
	Q4_1 Type = 3 // block of 32: fp16 scale d, fp16 min m, 16 bytes of 4-bit quants; x = d·q + m
	Q5_0 Type = 6 // block of 32: fp16 d, uint32 fifth bits, 16 bytes of low nibbles; x = d·(q−16)
	Q5_1 Type = 7 // block of 32: fp16 d, fp16 m, uint32 fifth bits, 16 bytes of low nibbles; x = d·q + m
	Q8_0 Type = 8 // block of 32: fp16 scale d, 32 int8 quants; x = d·q
)

// qk is the number of elements in a block of every quantized type here.
const qk = 32

// typeInfo is the block size (elements) and bytes per block of a type.
type typeInfo struct {
	name  string
	block int
	bytes int
}

var types = map[Type]typeInfo{
	F32:  {"F32", 1, 4},
	F16:  {"F16", 1, 2},
	Q4_0: {"Q4_0", qk, 2 + qk/2},
	Q4_1: {"Q4_1", qk, 2 + 2 + qk/2},
	Q5_0: {"Q5_0", qk, 2 + 4 + qk/2},
	Q5_1: {"Q5_1", qk, 2 + 2 + 4 + qk/2},
	Q8_0: {"Q8_0", qk, 2 + qk},
}

// Types lists the supported types in ggml order.
func Types() []Type { return []Type{F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0} }

// String returns ggml's name for the type ("F32", "Q8_0", …), or
// "type(N)" for an unknown one.
func (t Type) String() string {
	if i, ok := types[t]; ok {
		return i.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// Valid reports whether t is one of the supported types.
func (t Type) Valid() bool {
	_, ok := types[t]
	return ok
}

// Quantized reports whether t stores blocks of quantized values.
func (t Type) Quantized() bool { return t.BlockSize() > 1 }

// BlockSize is the number of elements in one block: 1 for F32 and F16, 32
// for the quantized types, 0 for an unknown type.
func (t Type) BlockSize() int { return types[t].block }

// BlockBytes is the number of bytes one block occupies (ggml_type_size), 0
// for an unknown type.
func (t Type) BlockBytes() int { return types[t].bytes }

// RowBytes is the number of bytes n consecutive elements occupy
// (ggml_row_size). n must be a non-negative multiple of BlockSize and t a
// supported type; RowBytes panics otherwise, as ggml asserts.
func (t Type) RowBytes(n int) int {
	i, ok := types[t]
	if !ok {
		panic(fmt.Sprintf("ggml: RowBytes of unsupported %v", t))
	}
	if n < 0 || n%i.block != 0 {
		panic(fmt.Sprintf("ggml: RowBytes(%d) of %v: not a multiple of its block size %d", n, t, i.block))
	}
	return n / i.block * i.bytes
}

// checkLen reports whether n elements of t fit whole blocks, as an error
// wrapping ErrUnsupportedType or ErrShape.
func (t Type) checkLen(n int) error {
	i, ok := types[t]
	if !ok {
		return fmt.Errorf("%w: %v", ErrUnsupportedType, t)
	}
	if n < 0 || n%i.block != 0 {
		return fmt.Errorf("%w: %d elements of %v are not whole blocks of %d", ErrShape, n, t, i.block)
	}
	return nil
}
