//go:build !purego

#include "textflag.h"

// func radix4SSE(re, im *float32, l, h int, tw *float32)
//
// A radix-4 pass of the FFT (see radix4Go) over l points in blocks of 4h,
// four butterflies per iteration. Registers: R10/R11 point at the real and
// imaginary parts of quarter 0 of the block, R12/R13 at quarter 1
// (quarters 2 and 3 are 2h further), R9 = 4h bytes, R8 at the twiddles.
TEXT ·radix4SSE(SB), NOSPLIT, $0-40
	MOVQ re+0(FP), R10
	MOVQ im+8(FP), R11
	MOVQ l+16(FP), CX
	MOVQ h+24(FP), R9
	MOVQ tw+32(FP), DX
	LEAQ (R10)(CX*4), CX      // end of re
	SHLQ $2, R9               // quarter size in bytes

block:
	LEAQ (R10)(R9*1), R12
	LEAQ (R11)(R9*1), R13
	MOVQ DX, R8
	MOVQ R9, AX
	SHRQ $4, AX               // h/4 iterations

loop:
	// x1 = y1·w1: X5 = re, X1 = im
	MOVUPS (R12), X1
	MOVUPS (R13), X2
	MOVUPS 0(R8), X3
	MOVUPS 16(R8), X4
	MOVAPS X1, X5
	MULPS  X3, X5
	MOVAPS X2, X6
	MULPS  X4, X6
	SUBPS  X6, X5
	MULPS  X4, X1
	MULPS  X3, X2
	ADDPS  X2, X1

	// a0 = x0 + x1 (X0, X2), a1 = x0 - x1 (X3, X4)
	MOVUPS (R10), X0
	MOVUPS (R11), X2
	MOVAPS X0, X3
	ADDPS  X5, X0
	SUBPS  X5, X3
	MOVAPS X2, X4
	ADDPS  X1, X2
	SUBPS  X1, X4

	// x2 = y2·w2: X9 = re, X5 = im
	MOVUPS (R10)(R9*2), X5
	MOVUPS (R11)(R9*2), X6
	MOVUPS 32(R8), X7
	MOVUPS 48(R8), X8
	MOVAPS X5, X9
	MULPS  X7, X9
	MOVAPS X6, X10
	MULPS  X8, X10
	SUBPS  X10, X9
	MULPS  X8, X5
	MULPS  X7, X6
	ADDPS  X6, X5

	// x3 = y3·w3: X11 = re, X6 = im
	MOVUPS (R12)(R9*2), X6
	MOVUPS (R13)(R9*2), X7
	MOVUPS 64(R8), X8
	MOVUPS 80(R8), X10
	MOVAPS X6, X11
	MULPS  X8, X11
	MOVAPS X7, X12
	MULPS  X10, X12
	SUBPS  X12, X11
	MULPS  X10, X6
	MULPS  X8, X7
	ADDPS  X7, X6

	// c = x2 + x3 (X7, X8), d = x2 - x3 (X9, X5)
	MOVAPS X9, X7
	ADDPS  X11, X7
	SUBPS  X11, X9
	MOVAPS X5, X8
	ADDPS  X6, X8
	SUBPS  X6, X5

	// y0 = a0 + c, y2 = a0 - c
	MOVAPS X0, X10
	ADDPS  X7, X10
	MOVUPS X10, (R10)
	SUBPS  X7, X0
	MOVUPS X0, (R10)(R9*2)
	MOVAPS X2, X10
	ADDPS  X8, X10
	MOVUPS X10, (R11)
	SUBPS  X8, X2
	MOVUPS X2, (R11)(R9*2)

	// y1 = a1 - i·d = (a1r + di, a1i - dr), y3 = a1 + i·d
	MOVAPS X3, X10
	ADDPS  X5, X10
	MOVUPS X10, (R12)
	SUBPS  X5, X3
	MOVUPS X3, (R12)(R9*2)
	MOVAPS X4, X10
	SUBPS  X9, X10
	MOVUPS X10, (R13)
	ADDPS  X9, X4
	MOVUPS X4, (R13)(R9*2)

	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $16, R12
	ADDQ $16, R13
	ADDQ $96, R8
	DECQ AX
	JNZ  loop

	// Next block: quarter 0 has moved h on; the block is 4h long.
	LEAQ (R10)(R9*2), R10
	ADDQ R9, R10
	LEAQ (R11)(R9*2), R11
	ADDQ R9, R11
	CMPQ R10, CX
	JB   block
	RET
