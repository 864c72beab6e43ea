//go:build amd64 && !purego

#include "textflag.h"

// bf16 GEMM kernels (AVX512_BF16). Go's assembler has no VDPBF16PS or
// VCVTNEPS2BF16, so those are spelled as bytes (GNU as output) with fixed
// registers: each DP_<b>_<a>_<acc> macro is VDPBF16PS Zb, Za, Zacc
// (Zacc.fp32[i] += Za.bf16[2i]·Zb.bf16[2i] + Za.bf16[2i+1]·Zb.bf16[2i+1]).

#define DP_0_2_4 BYTE $0x62; BYTE $0xf2; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xe0 // vdpbf16ps %zmm0,%zmm2,%zmm4
#define DP_1_2_5 BYTE $0x62; BYTE $0xf2; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xe9 // vdpbf16ps %zmm1,%zmm2,%zmm5
#define DP_0_3_6 BYTE $0x62; BYTE $0xf2; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xf0 // vdpbf16ps %zmm0,%zmm3,%zmm6
#define DP_1_3_7 BYTE $0x62; BYTE $0xf2; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xf9 // vdpbf16ps %zmm1,%zmm3,%zmm7
#define DP_0_2_8 BYTE $0x62; BYTE $0x72; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xc0 // vdpbf16ps %zmm0,%zmm2,%zmm8
#define DP_1_2_9 BYTE $0x62; BYTE $0x72; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xc9 // vdpbf16ps %zmm1,%zmm2,%zmm9
#define DP_0_3_10 BYTE $0x62; BYTE $0x72; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xd0 // vdpbf16ps %zmm0,%zmm3,%zmm10
#define DP_1_3_11 BYTE $0x62; BYTE $0x72; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xd9 // vdpbf16ps %zmm1,%zmm3,%zmm11
#define DP_0_2_12 BYTE $0x62; BYTE $0x72; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xe0 // vdpbf16ps %zmm0,%zmm2,%zmm12
#define DP_1_2_13 BYTE $0x62; BYTE $0x72; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xe9 // vdpbf16ps %zmm1,%zmm2,%zmm13
#define DP_0_3_14 BYTE $0x62; BYTE $0x72; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xf0 // vdpbf16ps %zmm0,%zmm3,%zmm14
#define DP_1_3_15 BYTE $0x62; BYTE $0x72; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xf9 // vdpbf16ps %zmm1,%zmm3,%zmm15
#define DP_0_2_16 BYTE $0x62; BYTE $0xe2; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xc0 // vdpbf16ps %zmm0,%zmm2,%zmm16
#define DP_1_2_17 BYTE $0x62; BYTE $0xe2; BYTE $0x6e; BYTE $0x48; BYTE $0x52; BYTE $0xc9 // vdpbf16ps %zmm1,%zmm2,%zmm17
#define DP_0_3_18 BYTE $0x62; BYTE $0xe2; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xd0 // vdpbf16ps %zmm0,%zmm3,%zmm18
#define DP_1_3_19 BYTE $0x62; BYTE $0xe2; BYTE $0x66; BYTE $0x48; BYTE $0x52; BYTE $0xd9 // vdpbf16ps %zmm1,%zmm3,%zmm19
#define CVT_0 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc0 // vcvtneps2bf16 %zmm0,%ymm0
#define CVT_1 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc9 // vcvtneps2bf16 %zmm1,%ymm1
#define CVT_2 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xd2 // vcvtneps2bf16 %zmm2,%ymm2
#define CVT_3 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xdb // vcvtneps2bf16 %zmm3,%ymm3
#define CVT_4 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xe4 // vcvtneps2bf16 %zmm4,%ymm4
#define CVT_5 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xed // vcvtneps2bf16 %zmm5,%ymm5
#define CVT_6 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xf6 // vcvtneps2bf16 %zmm6,%ymm6
#define CVT_7 BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xff // vcvtneps2bf16 %zmm7,%ymm7

// One k-pair step of the 8x32 tile: B pairs for 32 columns at bo(DI)
// (two zmm), A pairs for 8 rows at ao(SI) (broadcast one row at a time).
#define KSTEPBF(ao, bo) \
	VMOVUPS bo(DI), Z0; \
	VMOVUPS bo+64(DI), Z1; \
	VPBROADCASTD ao+0(SI), Z2; \
	VPBROADCASTD ao+4(SI), Z3; \
	DP_0_2_4; \
	DP_1_2_5; \
	DP_0_3_6; \
	DP_1_3_7; \
	VPBROADCASTD ao+8(SI), Z2; \
	VPBROADCASTD ao+12(SI), Z3; \
	DP_0_2_8; \
	DP_1_2_9; \
	DP_0_3_10; \
	DP_1_3_11; \
	VPBROADCASTD ao+16(SI), Z2; \
	VPBROADCASTD ao+20(SI), Z3; \
	DP_0_2_12; \
	DP_1_2_13; \
	DP_0_3_14; \
	DP_1_3_15; \
	VPBROADCASTD ao+24(SI), Z2; \
	VPBROADCASTD ao+28(SI), Z3; \
	DP_0_2_16; \
	DP_1_2_17; \
	DP_0_3_18; \
	DP_1_3_19

// func bf16Kern8x32(kp int, a, b *uint32, c *float32, ldc, flags int, bias *float32)
// acc[i][j] = Σ_p dot(a[p*8+i], b[p*32+j]) over kp bf16 pairs; stored to c
// (row stride ldc floats) after adding bias[0:32] (flags&2) and c (flags&1).
TEXT ·bf16Kern8x32(SB), NOSPLIT, $0-56
	MOVQ kp+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (DX)(R8*4), R10

	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19

	MOVQ CX, BX
	SHRQ $1, BX
	JZ   rem

loop2:
	PREFETCHT0 1024(DI)
	KSTEPBF(0, 0)
	PREFETCHT0 1088(DI)
	KSTEPBF(32, 128)
	PREFETCHT0 1152(DI)
	PREFETCHT0 1216(DI)
	ADDQ $64, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop2

rem:
	TESTQ $1, CX
	JZ   done
	KSTEPBF(0, 0)

done:
	MOVQ flags+40(FP), AX
	TESTQ $2, AX
	JZ   nobias
	MOVQ bias+48(FP), R11
	VMOVUPS (R11), Z0
	VMOVUPS 64(R11), Z1
	VADDPS Z0, Z4, Z4
	VADDPS Z1, Z5, Z5
	VADDPS Z0, Z6, Z6
	VADDPS Z1, Z7, Z7
	VADDPS Z0, Z8, Z8
	VADDPS Z1, Z9, Z9
	VADDPS Z0, Z10, Z10
	VADDPS Z1, Z11, Z11
	VADDPS Z0, Z12, Z12
	VADDPS Z1, Z13, Z13
	VADDPS Z0, Z14, Z14
	VADDPS Z1, Z15, Z15
	VADDPS Z0, Z16, Z16
	VADDPS Z1, Z17, Z17
	VADDPS Z0, Z18, Z18
	VADDPS Z1, Z19, Z19

nobias:
	TESTQ $1, AX
	JZ   store
	VADDPS (DX), Z4, Z4
	VADDPS 64(DX), Z5, Z5
	VADDPS (DX)(R8*1), Z6, Z6
	VADDPS 64(DX)(R8*1), Z7, Z7
	VADDPS (DX)(R8*2), Z8, Z8
	VADDPS 64(DX)(R8*2), Z9, Z9
	VADDPS (DX)(R9*1), Z10, Z10
	VADDPS 64(DX)(R9*1), Z11, Z11
	VADDPS (R10), Z12, Z12
	VADDPS 64(R10), Z13, Z13
	VADDPS (R10)(R8*1), Z14, Z14
	VADDPS 64(R10)(R8*1), Z15, Z15
	VADDPS (R10)(R8*2), Z16, Z16
	VADDPS 64(R10)(R8*2), Z17, Z17
	VADDPS (R10)(R9*1), Z18, Z18
	VADDPS 64(R10)(R9*1), Z19, Z19

store:
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	VMOVUPS Z6, (DX)(R8*1)
	VMOVUPS Z7, 64(DX)(R8*1)
	VMOVUPS Z8, (DX)(R8*2)
	VMOVUPS Z9, 64(DX)(R8*2)
	VMOVUPS Z10, (DX)(R9*1)
	VMOVUPS Z11, 64(DX)(R9*1)
	VMOVUPS Z12, (R10)
	VMOVUPS Z13, 64(R10)
	VMOVUPS Z14, (R10)(R8*1)
	VMOVUPS Z15, 64(R10)(R8*1)
	VMOVUPS Z16, (R10)(R8*2)
	VMOVUPS Z17, 64(R10)(R8*2)
	VMOVUPS Z18, (R10)(R9*1)
	VMOVUPS Z19, 64(R10)(R9*1)
	VZEROUPPER
	RET

// TRANSPOSE8BF transposes the 8x8 block of 32-bit words in Y0..Y7 (rows)
// into Y8..Y15 (columns), clobbering Y0..Y7.
#define TRANSPOSE8BF \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y15; \
	VSHUFPS $0x44, Y10, Y8, Y0; \
	VSHUFPS $0xEE, Y10, Y8, Y1; \
	VSHUFPS $0x44, Y11, Y9, Y2; \
	VSHUFPS $0xEE, Y11, Y9, Y3; \
	VSHUFPS $0x44, Y14, Y12, Y4; \
	VSHUFPS $0xEE, Y14, Y12, Y5; \
	VSHUFPS $0x44, Y15, Y13, Y6; \
	VSHUFPS $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// func bf16Pack8(dst *uint32, stride int, src *float32, ld, n16 int)
// For r < 8 and p < 8*n16: dst[p*stride + r] = the bf16 pair (low half
// src[r*ld+2p], high half src[r*ld+2p+1]), rounded to nearest even.
TEXT ·bf16Pack8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*4), R10
	MOVQ n16+32(FP), CX
	TESTQ CX, CX
	JZ   done

loop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(R8*1), Z1
	VMOVUPS (SI)(R8*2), Z2
	VMOVUPS (SI)(R9*1), Z3
	VMOVUPS (R10), Z4
	VMOVUPS (R10)(R8*1), Z5
	VMOVUPS (R10)(R8*2), Z6
	VMOVUPS (R10)(R9*1), Z7
	CVT_0
	CVT_1
	CVT_2
	CVT_3
	CVT_4
	CVT_5
	CVT_6
	CVT_7
	TRANSPOSE8BF
	LEAQ (DI)(R11*4), R13
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R11*1)
	VMOVUPS Y10, (DI)(R11*2)
	VMOVUPS Y11, (DI)(R12*1)
	VMOVUPS Y12, (R13)
	VMOVUPS Y13, (R13)(R11*1)
	VMOVUPS Y14, (R13)(R11*2)
	VMOVUPS Y15, (R13)(R12*1)
	LEAQ (DI)(R11*8), DI
	ADDQ $64, SI
	ADDQ $64, R10
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
