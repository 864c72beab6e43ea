//go:build !purego

#include "textflag.h"

// ±maxSample and the sign bit, four times each.
DATA windowConst<>+0(SB)/4, $0x42000000
DATA windowConst<>+4(SB)/4, $0x42000000
DATA windowConst<>+8(SB)/4, $0x42000000
DATA windowConst<>+12(SB)/4, $0x42000000
DATA windowConst<>+16(SB)/4, $0xc2000000
DATA windowConst<>+20(SB)/4, $0xc2000000
DATA windowConst<>+24(SB)/4, $0xc2000000
DATA windowConst<>+28(SB)/4, $0xc2000000
DATA windowConst<>+32(SB)/4, $0x80000000
DATA windowConst<>+36(SB)/4, $0x80000000
DATA windowConst<>+40(SB)/4, $0x80000000
DATA windowConst<>+44(SB)/4, $0x80000000
GLOBL windowConst<>(SB), RODATA|NOPTR, $48

// RANGE ORs into BX a bit for each lane of X that is not in
// [-maxSample, maxSample] (NaN included). Clobbers X3, X4, R11.
#define RANGE(X) \
	MOVAPS X, X3 \
	CMPPS  X13, X3, $2 \
	MOVAPS X14, X4 \
	CMPPS  X, X4, $2 \
	ANDPS  X4, X3 \
	MOVMSKPS X3, R11 \
	XORL   $15, R11 \
	ORL    R11, BX

// func windowLongSSE(u, left, right, ov, out *[1024]float32, from int) bool
//
// windowLongGo, four samples at a time: the x[n] that are u read backwards
// are loaded four at a time and reversed.
TEXT ·windowLongSSE(SB), NOSPLIT, $0-49
	MOVQ u+0(FP), SI
	MOVQ left+8(FP), R8
	MOVQ right+16(FP), R9
	MOVQ ov+24(FP), DI
	MOVQ out+32(FP), DX
	MOVQ from+40(FP), AX
	MOVUPS windowConst<>+0(SB), X13
	MOVUPS windowConst<>+16(SB), X14
	MOVUPS windowConst<>+32(SB), X15
	XORL BX, BX
	SHLQ $2, AX               // byte offset of n

	// n < 512: out[n] = u[512+n]·left[n] + ov[n]
	CMPQ AX, $2048
	JGE  segB
segA:
	MOVUPS 2048(SI)(AX*1), X0
	MOVUPS (R8)(AX*1), X1
	MULPS  X1, X0
	MOVUPS (DI)(AX*1), X2
	ADDPS  X2, X0
	RANGE(X0)
	MOVUPS X0, (DX)(AX*1)
	ADDQ   $16, AX
	CMPQ   AX, $2048
	JL     segA

segB:
	// 512 ≤ n < 1024: out[n] = ov[n] - u[1535-n]·left[n]; R10 is the
	// byte offset of u[1532-n].
	MOVQ $6128, R10
	SUBQ AX, R10
loopB:
	MOVUPS (SI)(R10*1), X0
	PSHUFD $0x1b, X0, X0
	MOVUPS (R8)(AX*1), X1
	MULPS  X1, X0
	MOVUPS (DI)(AX*1), X2
	SUBPS  X0, X2
	RANGE(X2)
	MOVUPS X2, (DX)(AX*1)
	ADDQ   $16, AX
	SUBQ   $16, R10
	CMPQ   AX, $4096
	JL     loopB

	// n < 512: ov[n] = -(u[511-n]·right[n])
	XORQ AX, AX
	MOVQ $2032, R10
loopC:
	MOVUPS (SI)(R10*1), X0
	PSHUFD $0x1b, X0, X0
	MOVUPS (R9)(AX*1), X1
	MULPS  X1, X0
	XORPS  X15, X0
	MOVUPS X0, (DI)(AX*1)
	ADDQ   $16, AX
	SUBQ   $16, R10
	CMPQ   AX, $2048
	JL     loopC

	// 512 ≤ n < 1024: ov[n] = -(u[n-512]·right[n])
loopD:
	MOVUPS -2048(SI)(AX*1), X0
	MOVUPS (R9)(AX*1), X1
	MULPS  X1, X0
	XORPS  X15, X0
	MOVUPS X0, (DI)(AX*1)
	ADDQ   $16, AX
	CMPQ   AX, $4096
	JL     loopD

	TESTL BX, BX
	SETNE ret+48(FP)
	RET
