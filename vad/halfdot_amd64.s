//go:build amd64 && !purego

#include "textflag.h"

DATA halfc<>+0(SB)/8, $0x7ff
DATA halfc<>+8(SB)/8, $1009
DATA halfc<>+16(SB)/8, $42
DATA halfc<>+24(SB)/8, $0x0008000000000000
DATA halfc<>+32(SB)/8, $0x7fffffffffffffff
DATA halfc<>+40(SB)/8, $0x40effc0000000000
GLOBL halfc<>(SB), RODATA|NOPTR, $48

// HROUND(A) rounds the 4 float64 in A to binary16 (ties to even), as
// halfRound64 does, ORing a lane mask of results beyond ±65504 (or NaN)
// into Y9. Clobbers Y2, Y3; needs the constants in Y10-Y15.
#define HROUND(A) \
	VPSRLQ   $52, A, Y2 \
	VPAND    Y10, Y2, Y2 \
	VPMAXSD  Y11, Y2, Y2 \
	VPADDQ   Y12, Y2, Y2 \
	VPSLLQ   $52, Y2, Y2 \
	VPOR     Y13, Y2, Y2 \
	VADDPD   Y2, A, A \
	VSUBPD   Y2, A, A \
	VANDPD   Y14, A, Y3 \
	VCMPPD   $6, Y15, Y3, Y3 \
	VORPD    Y3, Y9, Y9

#define LOADC \
	VPBROADCASTQ halfc<>+0(SB), Y10 \
	VPBROADCASTQ halfc<>+8(SB), Y11 \
	VPBROADCASTQ halfc<>+16(SB), Y12 \
	VPBROADCASTQ halfc<>+24(SB), Y13 \
	VPBROADCASTQ halfc<>+32(SB), Y14 \
	VBROADCASTSD halfc<>+40(SB), Y15 \
	VXORPD Y9, Y9, Y9

// FMA4(R, A): A = round(A + x·y_r) for the 4 lanes at R9 of row R.
#define FMA4(R, A) \
	VMULPS  (R)(R9*1), X1, X7 \
	VCVTPS2PD X7, Y7 \
	VADDPD  Y7, A, A \
	HROUND(A)

// HALVE(OFF, A): A = round(tmp[j] + tmp[j+h]) for the row at OFF bytes
// in tmp, j at R12, h·8 in R11; stored back to tmp[j].
#define HALVE(OFF, A) \
	VMOVUPD OFF(R12), A \
	VADDPD  OFF(R12)(R11*1), A, A \
	HROUND(A) \
	VMOVUPD A, OFF(R12)

// LAST(OFF, S): the last two halvings (h = 2, 1) of the row at OFF bytes in
// tmp, its sum stored at S(FP). The rounding works on whole registers, the
// lanes above the kept ones are garbage: their overflow bits are dropped.
#define LAST(OFF, S) \
	VMOVUPD OFF(DX), X0 \
	VADDPD  OFF+16(DX), X0, X0 \
	VXORPD  Y9, Y9, Y9 \
	HROUND(Y0) \
	VMOVUPD X9, X9 \
	VORPD   Y9, Y8, Y8 \
	VMOVUPD X0, OFF(DX) \
	VMOVSD  OFF(DX), X0 \
	VADDSD  OFF+8(DX), X0, X0 \
	VXORPD  Y9, Y9, Y9 \
	HROUND(Y0) \
	VMOVQ   X9, X9 \
	VORPD   Y9, Y8, Y8 \
	VMOVSD  X0, S(FP)

// func dotHalf4BlocksAVX2(x, y *float32, ldy, nblocks int, tmp *[4][128]float64) (s0, s1, s2, s3 float64, ok bool)
TEXT ·dotHalf4BlocksAVX2(SB), NOSPLIT, $0-73
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ ldy+16(FP), AX
	SHLQ $2, AX
	LEAQ (DI)(AX*1), BX
	LEAQ (BX)(AX*1), R13
	LEAQ (R13)(AX*1), AX
	MOVQ nblocks+24(FP), CX
	MOVQ tmp+32(FP), DX
	LOADC
	XORQ R8, R8 // byte offset of lane group g in a float32 row: 16·g

group:
	VXORPD Y0, Y0, Y0
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	MOVQ R8, R9
	MOVQ CX, R10

block:
	VMOVUPS (SI)(R9*1), X1
	FMA4(DI, Y0)
	FMA4(BX, Y4)
	FMA4(R13, Y5)
	FMA4(AX, Y6)
	ADDQ $512, R9
	DECQ R10
	JNZ  block

	LEAQ (DX)(R8*2), R12
	VMOVUPD Y0, (R12)
	VMOVUPD Y4, 1024(R12)
	VMOVUPD Y5, 2048(R12)
	VMOVUPD Y6, 3072(R12)
	ADDQ $16, R8
	CMPQ R8, $512
	JB   group

	// Lane-wise sums, halving: h = 64, 32, 16, 8, 4 lanes (R11 = 8h bytes).
	MOVQ $512, R11

halve:
	XORQ R9, R9

halveLoop:
	LEAQ (DX)(R9*1), R12
	HALVE(0, Y0)
	HALVE(1024, Y4)
	HALVE(2048, Y5)
	HALVE(3072, Y6)
	ADDQ $32, R9
	CMPQ R9, R11
	JB   halveLoop
	SHRQ $1, R11
	CMPQ R11, $32
	JAE  halve

	VMOVAPD Y9, Y8
	LAST(0, s0+40)
	LAST(1024, s1+48)
	LAST(2048, s2+56)
	LAST(3072, s3+64)
	VPTEST  Y8, Y8
	SETEQ   ok+72(FP)
	VZEROUPPER
	RET

// func cpuid7EDX() uint32
TEXT ·cpuid7EDX(SB), NOSPLIT, $0-4
	MOVL $7, AX
	XORL CX, CX
	CPUID
	MOVL DX, ret+0(FP)
	RET

// func cpuid1ECX() uint32
TEXT ·cpuid1ECX(SB), NOSPLIT, $0-4
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET

// func cvtHalf8(dst *uint16, src *float32, n int)
TEXT ·cvtHalf8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

cvt:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X0
	VMOVDQU   X0, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       cvt
	VZEROUPPER
	RET

// The AVX512-FP16 instructions the Go assembler does not know, encoded by
// GNU as 2.40 (Intel syntax in the comments).
#define FMA_Z0_Z4_Z8  BYTE $0x62; BYTE $0xd6; BYTE $0x5d; BYTE $0x48; BYTE $0xb8; BYTE $0xc0 // vfmadd231ph zmm0, zmm4, zmm8
#define FMA_Z1_Z5_Z9  BYTE $0x62; BYTE $0xd6; BYTE $0x55; BYTE $0x48; BYTE $0xb8; BYTE $0xc9 // vfmadd231ph zmm1, zmm5, zmm9
#define FMA_Z2_Z6_Z10 BYTE $0x62; BYTE $0xd6; BYTE $0x4d; BYTE $0x48; BYTE $0xb8; BYTE $0xd2 // vfmadd231ph zmm2, zmm6, zmm10
#define FMA_Z3_Z7_Z11 BYTE $0x62; BYTE $0xd6; BYTE $0x45; BYTE $0x48; BYTE $0xb8; BYTE $0xdb // vfmadd231ph zmm3, zmm7, zmm11
#define ADD_Z0_Z0_Z2  BYTE $0x62; BYTE $0xf5; BYTE $0x7c; BYTE $0x48; BYTE $0x58; BYTE $0xc2 // vaddph zmm0, zmm0, zmm2
#define ADD_Z1_Z1_Z3  BYTE $0x62; BYTE $0xf5; BYTE $0x74; BYTE $0x48; BYTE $0x58; BYTE $0xcb // vaddph zmm1, zmm1, zmm3
#define ADD_Z0_Z0_Z1  BYTE $0x62; BYTE $0xf5; BYTE $0x7c; BYTE $0x48; BYTE $0x58; BYTE $0xc1 // vaddph zmm0, zmm0, zmm1
#define ADD_Y0_Y0_Y1  BYTE $0x62; BYTE $0xf5; BYTE $0x7c; BYTE $0x28; BYTE $0x58; BYTE $0xc1 // vaddph ymm0, ymm0, ymm1
#define ADD_X0_X0_X1  BYTE $0x62; BYTE $0xf5; BYTE $0x7c; BYTE $0x08; BYTE $0x58; BYTE $0xc1 // vaddph xmm0, xmm0, xmm1
#define ADDSH_X0_X0_X1 BYTE $0x62; BYTE $0xf5; BYTE $0x7e; BYTE $0x08; BYTE $0x58; BYTE $0xc1 // vaddsh xmm0, xmm0, xmm1

// func dotRowsF16(dst *float32, a, b *uint16, n, k, nblocks int)
//
// ggml_vec_dot_f16's AVX512-FP16 loop and GGML_F16_VEC_REDUCE, for one row
// a and n rows of b: accumulators Z0-Z3 take lanes 0-31, 32-63, 64-95,
// 96-127 of every block; then Z0+Z2, Z1+Z3, Z0+Z1 and the halvings of GCC's
// _mm512_reduce_add_ph (256-bit halves, 128-bit halves, 64-bit halves,
// 32-bit halves, then lanes 0 and 1).
TEXT ·dotRowsF16(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), R8
	SHLQ $1, R8
	MOVQ nblocks+40(FP), R9

row:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ   R10, R10
	MOVQ   R9, R11

blk:
	VMOVDQU16 (SI)(R10*1), Z4
	VMOVDQU16 64(SI)(R10*1), Z5
	VMOVDQU16 128(SI)(R10*1), Z6
	VMOVDQU16 192(SI)(R10*1), Z7
	VMOVDQU16 (DI)(R10*1), Z8
	VMOVDQU16 64(DI)(R10*1), Z9
	VMOVDQU16 128(DI)(R10*1), Z10
	VMOVDQU16 192(DI)(R10*1), Z11
	FMA_Z0_Z4_Z8
	FMA_Z1_Z5_Z9
	FMA_Z2_Z6_Z10
	FMA_Z3_Z7_Z11
	ADDQ $256, R10
	DECQ R11
	JNZ  blk

	ADD_Z0_Z0_Z2
	ADD_Z1_Z1_Z3
	ADD_Z0_Z0_Z1
	VEXTRACTF64X4 $1, Z0, Y1
	ADD_Y0_Y0_Y1
	VEXTRACTF128  $1, Y0, X1
	ADD_X0_X0_X1
	VPSHUFD       $0x4e, X0, X1 // 16-bit lanes 4,5,6,7,0,1,2,3
	ADD_X0_X0_X1
	VPSHUFD       $0xe1, X0, X1 // 16-bit lanes 2,3,0,1,...
	ADD_X0_X0_X1
	VPSRLD        $16, X0, X1   // lane 1 to lane 0
	ADDSH_X0_X0_X1
	VCVTPH2PS     X0, X0
	VMOVSS        X0, (DX)
	ADDQ          $4, DX
	ADDQ          R8, DI
	DECQ          CX
	JNZ           row
	VZEROUPPER
	RET

// func tailF64(acc *float64, a, tail *float32, n, cnt int)
//
// acc[o] += float64(a[i]·tail[i·n + o]) for i = 0 … cnt−1 in order, for the
// n outputs (n a multiple of 8), 8 at a time: the leftovers of
// ggml_vec_dot_f16, summed in float64 as float32 products.
TEXT ·tailF64(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ tail+16(FP), DX
	MOVQ n+24(FP), R8
	MOVQ cnt+32(FP), R9
	MOVQ R8, R10
	SHLQ $2, R10
	XORQ CX, CX

tailOut:
	VMOVUPD (DI)(CX*8), Y0
	VMOVUPD 32(DI)(CX*8), Y2
	LEAQ    (DX)(CX*4), R11
	XORQ    BX, BX

tailIn:
	VBROADCASTSS (SI)(BX*4), Y1
	VMULPS       (R11), Y1, Y1
	VCVTPS2PD    X1, Y3
	VEXTRACTF128 $1, Y1, X1
	VCVTPS2PD    X1, Y1
	VADDPD       Y3, Y0, Y0
	VADDPD       Y1, Y2, Y2
	ADDQ         R10, R11
	INCQ         BX
	CMPQ         BX, R9
	JB           tailIn
	VMOVUPD      Y0, (DI)(CX*8)
	VMOVUPD      Y2, 32(DI)(CX*8)
	ADDQ         $8, CX
	CMPQ         CX, R8
	JB           tailOut
	VZEROUPPER
	RET
