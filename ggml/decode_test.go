package ggml_test

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Block builders, written from the block layouts in ggml-common.h.

func q8Block(d uint16, qs [32]int8) []byte {
	b := binary.LittleEndian.AppendUint16(nil, d)
	for _, q := range qs {
		b = append(b, byte(q))
	}
	return b
}

func q4Block(d uint16, m *uint16, qs [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, d)
	if m != nil {
		b = binary.LittleEndian.AppendUint16(b, *m)
	}
	return append(b, qs[:]...)
}

func q5Block(d uint16, m *uint16, qh uint32, qs [16]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, d)
	if m != nil {
		b = binary.LittleEndian.AppendUint16(b, *m)
	}
	b = binary.LittleEndian.AppendUint32(b, qh)
	return append(b, qs[:]...)
}

// quant4 and quant5 give the unsigned quant of element k of a block,
// computed independently of the package: the low nibbles of elements 0..15
// are the low halves of qs, of 16..31 the high halves; the fifth bit of
// element k is bit k of qh.
func quant4(qs [16]byte, k int) int {
	if k < 16 {
		return int(qs[k] & 0x0F)
	}
	return int(qs[k-16] >> 4)
}

func quant5(qh uint32, qs [16]byte, k int) int {
	return quant4(qs, k) | int(qh>>k&1)<<4
}

func ptr(v uint16) *uint16 { return &v }

var (
	mixedNibbles = [16]byte{0x00, 0x1F, 0xF1, 0x8E, 0x7A, 0x39, 0xC4, 0x65, 0xAB, 0x52, 0xD0, 0x0D, 0xE6, 0x97, 0x2C, 0xFF}
	rampNibbles  = func() (q [16]byte) {
		for j := range q {
			q[j] = byte(j) | byte(15-j)<<4
		}
		return q
	}()
	mixedQ8 = func() (q [32]int8) {
		for j := range q {
			q[j] = int8(j*37 - 128 + j%3)
		}
		q[0], q[1], q[2] = -128, 127, 0
		return q
	}()
)

func TestDecodeKnownValues(t *testing.T) {
	const (
		half    uint16 = 0x3800 // 0.5
		one     uint16 = 0x3C00
		quarter uint16 = 0x3400 // 0.25
		two     uint16 = 0x4000
		minus1  uint16 = 0xBC00
		tenth   uint16 = 0x2E66 // 0.0999755859375
	)
	tests := []struct {
		name string
		typ  ggml.Type
		data []byte
		want []float32
	}{
		{
			name: "Q8_0 literal",
			typ:  ggml.Q8_0,
			data: q8Block(half, [32]int8{0, 1, -1, 2, -2, 127, -128, 64, -64, 3, 4, 5, 6, 7, 8, 9,
				10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, -3, -5}),
			want: []float32{0, 0.5, -0.5, 1, -1, 63.5, -64, 32, -32, 1.5, 2, 2.5, 3, 3.5, 4, 4.5,
				5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, -1.5, -2.5},
		},
		{
			name: "Q8_0 formula",
			typ:  ggml.Q8_0,
			data: q8Block(tenth, mixedQ8),
			want: func() (w []float32) {
				for _, q := range mixedQ8 {
					w = append(w, float32(q)*ggml.Float16ToFloat32(tenth))
				}
				return w
			}(),
		},
		{
			name: "Q4_0 literal ramp",
			typ:  ggml.Q4_0,
			data: q4Block(one, nil, rampNibbles),
			// elements 0..15: j-8; elements 16..31: (15-j)-8.
			want: []float32{-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7,
				7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6, -7, -8},
		},
		{
			name: "Q4_0 formula",
			typ:  ggml.Q4_0,
			data: q4Block(tenth, nil, mixedNibbles),
			want: func() (w []float32) {
				for k := range 32 {
					w = append(w, float32(quant4(mixedNibbles, k)-8)*ggml.Float16ToFloat32(tenth))
				}
				return w
			}(),
		},
		{
			name: "Q4_1 literal ramp",
			typ:  ggml.Q4_1,
			data: q4Block(quarter, ptr(minus1), rampNibbles),
			// 0.25·q − 1
			want: []float32{-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75,
				2.75, 2.5, 2.25, 2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0, -0.25, -0.5, -0.75, -1},
		},
		{
			name: "Q4_1 formula",
			typ:  ggml.Q4_1,
			data: q4Block(tenth, ptr(0xB266 /* -0.2 */), mixedNibbles),
			want: func() (w []float32) {
				d, m := ggml.Float16ToFloat32(tenth), ggml.Float16ToFloat32(0xB266)
				for k := range 32 {
					w = append(w, float32(float32(quant4(mixedNibbles, k))*d)+m)
				}
				return w
			}(),
		},
		{
			name: "Q5_0 literal",
			typ:  ggml.Q5_0,
			// qh bit k set for k = 1, 3, 16, 31 → those elements gain 16.
			data: q5Block(two, nil, 1<<1|1<<3|1<<16|1<<31, rampNibbles),
			// 2·(q − 16): low q = j (0..15), high q = 15−j.
			want: []float32{-32, 2, -28, 6, -24, -22, -20, -18, -16, -14, -12, -10, -8, -6, -4, -2,
				30, -4, -6, -8, -10, -12, -14, -16, -18, -20, -22, -24, -26, -28, -30, 0},
		},
		{
			name: "Q5_0 formula",
			typ:  ggml.Q5_0,
			data: q5Block(tenth, nil, 0xA5C3F00F, mixedNibbles),
			want: func() (w []float32) {
				for k := range 32 {
					w = append(w, float32(quant5(0xA5C3F00F, mixedNibbles, k)-16)*ggml.Float16ToFloat32(tenth))
				}
				return w
			}(),
		},
		{
			name: "Q5_1 literal",
			typ:  ggml.Q5_1,
			data: q5Block(half, ptr(minus1), 1<<0|1<<17, rampNibbles),
			// 0.5·q − 1
			want: []float32{7, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5,
				6.5, 14, 5.5, 5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5, -1},
		},
		{
			name: "Q5_1 formula",
			typ:  ggml.Q5_1,
			data: q5Block(tenth, ptr(0xB266), 0x5A3C0FF0, mixedNibbles),
			want: func() (w []float32) {
				d, m := ggml.Float16ToFloat32(tenth), ggml.Float16ToFloat32(0xB266)
				for k := range 32 {
					w = append(w, float32(float32(quant5(0x5A3C0FF0, mixedNibbles, k))*d)+m)
				}
				return w
			}(),
		},
		{
			name: "F16",
			typ:  ggml.F16,
			data: []byte{0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00},
			want: []float32{1, -2, 65504, 1.0 / (1 << 24)},
		},
		{
			name: "F32",
			typ:  ggml.F32,
			data: binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-3e-9)),
			want: []float32{1.5, -3e-9},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) != tc.typ.BlockBytes()*len(tc.want)/tc.typ.BlockSize() {
				t.Fatalf("test block is %d bytes, %v block is %d", len(tc.data), tc.typ, tc.typ.BlockBytes())
			}
			got := make([]float32, len(tc.want))
			if err := tc.typ.Decode(got, tc.data); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Decode\n got %v\nwant %v", got, tc.want)
			}
			// The same block repeated as a tensor: the second block lands at 32.
			tt := &ggml.Tensor{Name: "t", Type: tc.typ, Shape: []int{len(tc.want), 2}, Data: slices.Concat(tc.data, tc.data)}
			all, err := tt.Float32()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(all, slices.Concat(tc.want, tc.want)) {
				t.Errorf("Float32 of two blocks\n got %v\nwant %v", all, slices.Concat(tc.want, tc.want))
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		t    *ggml.Tensor
		dst  int
		want error
	}{
		{"short data", &ggml.Tensor{Name: "a", Type: ggml.Q8_0, Shape: []int{32}, Data: make([]byte, 33)}, 32, ggml.ErrShape},
		{"long data", &ggml.Tensor{Name: "a", Type: ggml.F32, Shape: []int{2}, Data: make([]byte, 12)}, 2, ggml.ErrShape},
		{"dst size", &ggml.Tensor{Name: "a", Type: ggml.F16, Shape: []int{2}, Data: make([]byte, 4)}, 3, ggml.ErrShape},
		{"partial block", &ggml.Tensor{Name: "a", Type: ggml.Q4_0, Shape: []int{16, 2}, Data: make([]byte, 18)}, 32, ggml.ErrShape},
		{"unknown type", &ggml.Tensor{Name: "a", Type: 12, Shape: []int{256}, Data: make([]byte, 144)}, 256, ggml.ErrUnsupportedType},
		{"zero dim", &ggml.Tensor{Name: "a", Type: ggml.F32, Shape: []int{0}}, 0, ggml.ErrShape},
		{"no dims", &ggml.Tensor{Name: "a", Type: ggml.F32}, 1, ggml.ErrShape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.DecodeInto(make([]float32, tc.dst))
			if !errors.Is(err, tc.want) {
				t.Errorf("DecodeInto: %v, want %v", err, tc.want)
			}
			if tc.name != "dst size" {
				if _, err := tc.t.Float32(); !errors.Is(err, tc.want) {
					t.Errorf("Float32: %v, want %v", err, tc.want)
				}
			}
		})
	}
}

func TestTypeInfo(t *testing.T) {
	tests := []struct {
		typ          ggml.Type
		name         string
		block, bytes int
	}{
		{ggml.F32, "F32", 1, 4},
		{ggml.F16, "F16", 1, 2},
		{ggml.Q4_0, "Q4_0", 32, 18},
		{ggml.Q4_1, "Q4_1", 32, 20},
		{ggml.Q5_0, "Q5_0", 32, 22},
		{ggml.Q5_1, "Q5_1", 32, 24},
		{ggml.Q8_0, "Q8_0", 32, 34},
	}
	for _, tc := range tests {
		if tc.typ.String() != tc.name || tc.typ.BlockSize() != tc.block || tc.typ.BlockBytes() != tc.bytes || !tc.typ.Valid() {
			t.Errorf("%d: %v block %d bytes %d valid %v, want %s %d %d", uint32(tc.typ), tc.typ, tc.typ.BlockSize(), tc.typ.BlockBytes(), tc.typ.Valid(), tc.name, tc.block, tc.bytes)
		}
		if got := tc.typ.RowBytes(384); got != 384/tc.block*tc.bytes {
			t.Errorf("%v.RowBytes(384) = %d", tc.typ, got)
		}
	}
	if ggml.Type(12).Valid() || ggml.Type(12).String() != "type(12)" {
		t.Errorf("type 12: valid %v, %q", ggml.Type(12).Valid(), ggml.Type(12).String())
	}
}
