//go:build !purego

// The windowing of the synthesis filterbank (see synthesis.go), unrolled.

#include "textflag.h"

// DOT sets acc to the four partial sums (lanes k mod 4) of the dot
// product of the 16 values at voff(SI) with the 16 at toff(DX).
#define DOT(voff, toff, acc) \
	MOVUPS voff(SI), acc \
	MOVUPS toff(DX), X8 \
	MULPS  X8, acc \
	MOVUPS voff+16(SI), X9 \
	MOVUPS toff+16(DX), X8 \
	MULPS  X8, X9 \
	MOVUPS voff+32(SI), X10 \
	MOVUPS toff+32(DX), X8 \
	MULPS  X8, X10 \
	MOVUPS voff+48(SI), X11 \
	MOVUPS toff+48(DX), X8 \
	MULPS  X8, X11 \
	ADDPS  X9, acc \
	ADDPS  X11, X10 \
	ADDPS  X10, acc

// REDUCE stores at off(DI) the sums of the lanes of X0, X1, X2 and X3.
#define REDUCE(off) \
	MOVAPS   X0, X4 \
	UNPCKLPS X1, X4 \
	UNPCKHPS X1, X0 \
	ADDPS    X4, X0 \
	MOVAPS   X2, X5 \
	UNPCKLPS X3, X5 \
	UNPCKHPS X3, X2 \
	ADDPS    X5, X2 \
	MOVAPS   X0, X6 \
	MOVLHPS  X2, X6 \
	MOVHLPS  X0, X2 \
	ADDPS    X6, X2 \
	MOVUPS   X2, off(DI)

// func synthWindowSSE(v *float32, t *[32][16]float32, out *[32]float32)
//
// out[m] is the dot product of t[m] with the 16 values at row r of v
// (rows 32 floats apart), r = m for m < 16 and 32-m from 16 on.
TEXT ·synthWindowSSE(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), SI
	MOVQ t+8(FP), DX
	MOVQ out+16(FP), DI
	DOT(0, 0, X0)
	DOT(128, 64, X1)
	DOT(256, 128, X2)
	DOT(384, 192, X3)
	REDUCE(0)
	DOT(512, 256, X0)
	DOT(640, 320, X1)
	DOT(768, 384, X2)
	DOT(896, 448, X3)
	REDUCE(16)
	DOT(1024, 512, X0)
	DOT(1152, 576, X1)
	DOT(1280, 640, X2)
	DOT(1408, 704, X3)
	REDUCE(32)
	DOT(1536, 768, X0)
	DOT(1664, 832, X1)
	DOT(1792, 896, X2)
	DOT(1920, 960, X3)
	REDUCE(48)
	DOT(2048, 1024, X0)
	DOT(1920, 1088, X1)
	DOT(1792, 1152, X2)
	DOT(1664, 1216, X3)
	REDUCE(64)
	DOT(1536, 1280, X0)
	DOT(1408, 1344, X1)
	DOT(1280, 1408, X2)
	DOT(1152, 1472, X3)
	REDUCE(80)
	DOT(1024, 1536, X0)
	DOT(896, 1600, X1)
	DOT(768, 1664, X2)
	DOT(640, 1728, X3)
	REDUCE(96)
	DOT(512, 1792, X0)
	DOT(384, 1856, X1)
	DOT(256, 1920, X2)
	DOT(128, 1984, X3)
	REDUCE(112)
	RET
