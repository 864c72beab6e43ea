//go:build amd64 && !purego

#include "textflag.h"

// Constants, each replicated 8 times so they can be used as m256 operands.
// exp: Cephes expf (range reduction with a split ln2 and a degree-5
// polynomial, ~1 ulp); erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7).
DATA expLo<>+0(SB)/4, $0xc2ae0000
DATA expLo<>+4(SB)/4, $0xc2ae0000
DATA expLo<>+8(SB)/4, $0xc2ae0000
DATA expLo<>+12(SB)/4, $0xc2ae0000
DATA expLo<>+16(SB)/4, $0xc2ae0000
DATA expLo<>+20(SB)/4, $0xc2ae0000
DATA expLo<>+24(SB)/4, $0xc2ae0000
DATA expLo<>+28(SB)/4, $0xc2ae0000
GLOBL expLo<>(SB), RODATA|NOPTR, $32
DATA expHi<>+0(SB)/4, $0x42b0c0a5
DATA expHi<>+4(SB)/4, $0x42b0c0a5
DATA expHi<>+8(SB)/4, $0x42b0c0a5
DATA expHi<>+12(SB)/4, $0x42b0c0a5
DATA expHi<>+16(SB)/4, $0x42b0c0a5
DATA expHi<>+20(SB)/4, $0x42b0c0a5
DATA expHi<>+24(SB)/4, $0x42b0c0a5
DATA expHi<>+28(SB)/4, $0x42b0c0a5
GLOBL expHi<>(SB), RODATA|NOPTR, $32
DATA expLog2e<>+0(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+4(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+8(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+12(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+16(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+20(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+24(SB)/4, $0x3fb8aa3b
DATA expLog2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL expLog2e<>(SB), RODATA|NOPTR, $32
DATA expC1<>+0(SB)/4, $0x3f318000
DATA expC1<>+4(SB)/4, $0x3f318000
DATA expC1<>+8(SB)/4, $0x3f318000
DATA expC1<>+12(SB)/4, $0x3f318000
DATA expC1<>+16(SB)/4, $0x3f318000
DATA expC1<>+20(SB)/4, $0x3f318000
DATA expC1<>+24(SB)/4, $0x3f318000
DATA expC1<>+28(SB)/4, $0x3f318000
GLOBL expC1<>(SB), RODATA|NOPTR, $32
DATA expC2<>+0(SB)/4, $0xb95e8083
DATA expC2<>+4(SB)/4, $0xb95e8083
DATA expC2<>+8(SB)/4, $0xb95e8083
DATA expC2<>+12(SB)/4, $0xb95e8083
DATA expC2<>+16(SB)/4, $0xb95e8083
DATA expC2<>+20(SB)/4, $0xb95e8083
DATA expC2<>+24(SB)/4, $0xb95e8083
DATA expC2<>+28(SB)/4, $0xb95e8083
GLOBL expC2<>(SB), RODATA|NOPTR, $32
DATA expP0<>+0(SB)/4, $0x39506967
DATA expP0<>+4(SB)/4, $0x39506967
DATA expP0<>+8(SB)/4, $0x39506967
DATA expP0<>+12(SB)/4, $0x39506967
DATA expP0<>+16(SB)/4, $0x39506967
DATA expP0<>+20(SB)/4, $0x39506967
DATA expP0<>+24(SB)/4, $0x39506967
DATA expP0<>+28(SB)/4, $0x39506967
GLOBL expP0<>(SB), RODATA|NOPTR, $32
DATA expP1<>+0(SB)/4, $0x3ab743ce
DATA expP1<>+4(SB)/4, $0x3ab743ce
DATA expP1<>+8(SB)/4, $0x3ab743ce
DATA expP1<>+12(SB)/4, $0x3ab743ce
DATA expP1<>+16(SB)/4, $0x3ab743ce
DATA expP1<>+20(SB)/4, $0x3ab743ce
DATA expP1<>+24(SB)/4, $0x3ab743ce
DATA expP1<>+28(SB)/4, $0x3ab743ce
GLOBL expP1<>(SB), RODATA|NOPTR, $32
DATA expP2<>+0(SB)/4, $0x3c088908
DATA expP2<>+4(SB)/4, $0x3c088908
DATA expP2<>+8(SB)/4, $0x3c088908
DATA expP2<>+12(SB)/4, $0x3c088908
DATA expP2<>+16(SB)/4, $0x3c088908
DATA expP2<>+20(SB)/4, $0x3c088908
DATA expP2<>+24(SB)/4, $0x3c088908
DATA expP2<>+28(SB)/4, $0x3c088908
GLOBL expP2<>(SB), RODATA|NOPTR, $32
DATA expP3<>+0(SB)/4, $0x3d2aa9c1
DATA expP3<>+4(SB)/4, $0x3d2aa9c1
DATA expP3<>+8(SB)/4, $0x3d2aa9c1
DATA expP3<>+12(SB)/4, $0x3d2aa9c1
DATA expP3<>+16(SB)/4, $0x3d2aa9c1
DATA expP3<>+20(SB)/4, $0x3d2aa9c1
DATA expP3<>+24(SB)/4, $0x3d2aa9c1
DATA expP3<>+28(SB)/4, $0x3d2aa9c1
GLOBL expP3<>(SB), RODATA|NOPTR, $32
DATA expP4<>+0(SB)/4, $0x3e2aaaaa
DATA expP4<>+4(SB)/4, $0x3e2aaaaa
DATA expP4<>+8(SB)/4, $0x3e2aaaaa
DATA expP4<>+12(SB)/4, $0x3e2aaaaa
DATA expP4<>+16(SB)/4, $0x3e2aaaaa
DATA expP4<>+20(SB)/4, $0x3e2aaaaa
DATA expP4<>+24(SB)/4, $0x3e2aaaaa
DATA expP4<>+28(SB)/4, $0x3e2aaaaa
GLOBL expP4<>(SB), RODATA|NOPTR, $32
DATA expP5<>+0(SB)/4, $0x3f000000
DATA expP5<>+4(SB)/4, $0x3f000000
DATA expP5<>+8(SB)/4, $0x3f000000
DATA expP5<>+12(SB)/4, $0x3f000000
DATA expP5<>+16(SB)/4, $0x3f000000
DATA expP5<>+20(SB)/4, $0x3f000000
DATA expP5<>+24(SB)/4, $0x3f000000
DATA expP5<>+28(SB)/4, $0x3f000000
GLOBL expP5<>(SB), RODATA|NOPTR, $32
DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32
DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32
DATA invSqrt2<>+0(SB)/4, $0x3f3504f3
DATA invSqrt2<>+4(SB)/4, $0x3f3504f3
DATA invSqrt2<>+8(SB)/4, $0x3f3504f3
DATA invSqrt2<>+12(SB)/4, $0x3f3504f3
DATA invSqrt2<>+16(SB)/4, $0x3f3504f3
DATA invSqrt2<>+20(SB)/4, $0x3f3504f3
DATA invSqrt2<>+24(SB)/4, $0x3f3504f3
DATA invSqrt2<>+28(SB)/4, $0x3f3504f3
GLOBL invSqrt2<>(SB), RODATA|NOPTR, $32
DATA erfP<>+0(SB)/4, $0x3ea7ba05
DATA erfP<>+4(SB)/4, $0x3ea7ba05
DATA erfP<>+8(SB)/4, $0x3ea7ba05
DATA erfP<>+12(SB)/4, $0x3ea7ba05
DATA erfP<>+16(SB)/4, $0x3ea7ba05
DATA erfP<>+20(SB)/4, $0x3ea7ba05
DATA erfP<>+24(SB)/4, $0x3ea7ba05
DATA erfP<>+28(SB)/4, $0x3ea7ba05
GLOBL erfP<>(SB), RODATA|NOPTR, $32
DATA erfA1<>+0(SB)/4, $0x3e827906
DATA erfA1<>+4(SB)/4, $0x3e827906
DATA erfA1<>+8(SB)/4, $0x3e827906
DATA erfA1<>+12(SB)/4, $0x3e827906
DATA erfA1<>+16(SB)/4, $0x3e827906
DATA erfA1<>+20(SB)/4, $0x3e827906
DATA erfA1<>+24(SB)/4, $0x3e827906
DATA erfA1<>+28(SB)/4, $0x3e827906
GLOBL erfA1<>(SB), RODATA|NOPTR, $32
DATA erfA2<>+0(SB)/4, $0xbe91a98e
DATA erfA2<>+4(SB)/4, $0xbe91a98e
DATA erfA2<>+8(SB)/4, $0xbe91a98e
DATA erfA2<>+12(SB)/4, $0xbe91a98e
DATA erfA2<>+16(SB)/4, $0xbe91a98e
DATA erfA2<>+20(SB)/4, $0xbe91a98e
DATA erfA2<>+24(SB)/4, $0xbe91a98e
DATA erfA2<>+28(SB)/4, $0xbe91a98e
GLOBL erfA2<>(SB), RODATA|NOPTR, $32
DATA erfA3<>+0(SB)/4, $0x3fb5f0e3
DATA erfA3<>+4(SB)/4, $0x3fb5f0e3
DATA erfA3<>+8(SB)/4, $0x3fb5f0e3
DATA erfA3<>+12(SB)/4, $0x3fb5f0e3
DATA erfA3<>+16(SB)/4, $0x3fb5f0e3
DATA erfA3<>+20(SB)/4, $0x3fb5f0e3
DATA erfA3<>+24(SB)/4, $0x3fb5f0e3
DATA erfA3<>+28(SB)/4, $0x3fb5f0e3
GLOBL erfA3<>(SB), RODATA|NOPTR, $32
DATA erfA4<>+0(SB)/4, $0xbfba00e3
DATA erfA4<>+4(SB)/4, $0xbfba00e3
DATA erfA4<>+8(SB)/4, $0xbfba00e3
DATA erfA4<>+12(SB)/4, $0xbfba00e3
DATA erfA4<>+16(SB)/4, $0xbfba00e3
DATA erfA4<>+20(SB)/4, $0xbfba00e3
DATA erfA4<>+24(SB)/4, $0xbfba00e3
DATA erfA4<>+28(SB)/4, $0xbfba00e3
GLOBL erfA4<>(SB), RODATA|NOPTR, $32
DATA erfA5<>+0(SB)/4, $0x3f87dc22
DATA erfA5<>+4(SB)/4, $0x3f87dc22
DATA erfA5<>+8(SB)/4, $0x3f87dc22
DATA erfA5<>+12(SB)/4, $0x3f87dc22
DATA erfA5<>+16(SB)/4, $0x3f87dc22
DATA erfA5<>+20(SB)/4, $0x3f87dc22
DATA erfA5<>+24(SB)/4, $0x3f87dc22
DATA erfA5<>+28(SB)/4, $0x3f87dc22
GLOBL erfA5<>(SB), RODATA|NOPTR, $32
DATA absMask<>+0(SB)/4, $0x7fffffff
DATA absMask<>+4(SB)/4, $0x7fffffff
DATA absMask<>+8(SB)/4, $0x7fffffff
DATA absMask<>+12(SB)/4, $0x7fffffff
DATA absMask<>+16(SB)/4, $0x7fffffff
DATA absMask<>+20(SB)/4, $0x7fffffff
DATA absMask<>+24(SB)/4, $0x7fffffff
DATA absMask<>+28(SB)/4, $0x7fffffff
GLOBL absMask<>(SB), RODATA|NOPTR, $32
DATA signMask<>+0(SB)/4, $0x80000000
DATA signMask<>+4(SB)/4, $0x80000000
DATA signMask<>+8(SB)/4, $0x80000000
DATA signMask<>+12(SB)/4, $0x80000000
DATA signMask<>+16(SB)/4, $0x80000000
DATA signMask<>+20(SB)/4, $0x80000000
DATA signMask<>+24(SB)/4, $0x80000000
DATA signMask<>+28(SB)/4, $0x80000000
GLOBL signMask<>(SB), RODATA|NOPTR, $32

// EXP(X, N, P, M) replaces the 8 floats in X by exp(X), clobbering N, P, M.
// Inputs below -87 produce exactly 0, inputs above 88.37 saturate near
// 2.4e38 and NaNs propagate (min/max take the NaN operand).
#define EXP(X, N, P, M) \
	VMOVUPS expHi<>(SB), P; \
	VMINPS X, P, X; \
	VMOVUPS expLo<>(SB), P; \
	VCMPPS $1, P, X, M; \
	VMAXPS X, P, X; \
	VMULPS expLog2e<>(SB), X, N; \
	VROUNDPS $0, N, N; \
	VFNMADD231PS expC1<>(SB), N, X; \
	VFNMADD231PS expC2<>(SB), N, X; \
	VMOVUPS expP0<>(SB), P; \
	VFMADD213PS expP1<>(SB), X, P; \
	VFMADD213PS expP2<>(SB), X, P; \
	VFMADD213PS expP3<>(SB), X, P; \
	VFMADD213PS expP4<>(SB), X, P; \
	VFMADD213PS expP5<>(SB), X, P; \
	VFMADD213PS one<>(SB), X, P; \
	VFMADD213PS one<>(SB), X, P; \
	VCVTPS2DQ N, N; \
	VPSLLD $23, N, N; \
	VPADDD N, P, X; \
	VANDNPS X, M, X

// func expAVX2(x *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (DI), Y0
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func maxAVX2(x *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VMOVUPS (DI), Y0
	VMOVAPS Y0, Y1
	SHRQ $3, CX

loop:
	VMAXPS (DI), Y0, Y0
	ADDQ $32, DI
	DECQ CX
	JZ   reduce
	VMAXPS (DI), Y1, Y1
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

reduce:
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func expSubAVX2(x *float32, n int, m float32) float64
// x[i] = exp(x[i]-m); returns Σ x[i] accumulated in float64 (pairs of
// vectors are added in float32 first: one extra rounding of ≤ u per pair).
TEXT ·expSubAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y14
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	MOVQ CX, BX
	SHRQ $4, BX
	JZ   tail

loop16:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y4
	VSUBPS Y14, Y0, Y0
	VSUBPS Y14, Y4, Y4
	EXP(Y0, Y1, Y2, Y3)
	EXP(Y4, Y5, Y6, Y7)
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	VADDPS Y4, Y0, Y0
	VCVTPS2PD X0, Y8
	VEXTRACTF128 $1, Y0, X9
	VCVTPS2PD X9, Y9
	VADDPD Y8, Y12, Y12
	VADDPD Y9, Y13, Y13
	ADDQ $64, DI
	DECQ BX
	JNZ  loop16

tail:
	TESTQ $8, CX
	JZ    reduce
	VMOVUPS (DI), Y0
	VSUBPS Y14, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VCVTPS2PD X0, Y8
	VEXTRACTF128 $1, Y0, X9
	VCVTPS2PD X9, Y9
	VADDPD Y8, Y12, Y12
	VADDPD Y9, Y13, Y13

reduce:
	VADDPD Y13, Y12, Y12
	VEXTRACTF128 $1, Y12, X13
	VADDPD X13, X12, X12
	VHADDPD X12, X12, X12
	VZEROUPPER
	MOVSD X12, ret+24(FP)
	RET

// func geluAVX2(x *float32, n int)
// x = 0.5·x·(1+erf(x/√2)), using erfc(z) ≈ t·poly(t)·exp(-z²), t=1/(1+p·z),
// z=|x|/√2: for x≥0 the result is x - 0.5·x·erfc(z), otherwise 0.5·x·erfc(z)
// (no cancellation for negative x).
TEXT ·geluAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (DI), Y0
	VANDPS absMask<>(SB), Y0, Y1
	VMULPS invSqrt2<>(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VXORPS signMask<>(SB), Y2, Y2
	EXP(Y2, Y3, Y4, Y5)
	VMOVUPS erfP<>(SB), Y3
	VFMADD213PS one<>(SB), Y1, Y3
	VMOVUPS one<>(SB), Y4
	VDIVPS Y3, Y4, Y4
	VMOVUPS erfA5<>(SB), Y5
	VFMADD213PS erfA4<>(SB), Y4, Y5
	VFMADD213PS erfA3<>(SB), Y4, Y5
	VFMADD213PS erfA2<>(SB), Y4, Y5
	VFMADD213PS erfA1<>(SB), Y4, Y5
	VMULPS Y4, Y5, Y5
	VMULPS Y2, Y5, Y5
	VMULPS half<>(SB), Y0, Y6
	VMULPS Y6, Y5, Y5
	VSUBPS Y5, Y0, Y6
	VBLENDVPS Y0, Y5, Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func sumF64AVX2(x *float32, n int) float64
TEXT ·sumF64AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ $3, CX
	JZ   reduce

loop:
	VCVTPS2PD (DI), Y2
	VCVTPS2PD 16(DI), Y3
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

reduce:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VZEROUPPER
	MOVSD X0, ret+16(FP)
	RET

// func sqDevF64AVX2(x *float32, n int, mean float64) float64
// Returns Σ (x[i]-mean)² accumulated in float64.
TEXT ·sqDevF64AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD mean+16(FP), Y4
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ $3, CX
	JZ   reduce

loop:
	VCVTPS2PD (DI), Y2
	VCVTPS2PD 16(DI), Y3
	VSUBPD Y4, Y2, Y2
	VSUBPD Y4, Y3, Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

reduce:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func normAVX2(x, gamma, beta *float32, n int, mean, rstd float32)
// x[i] = (x[i]-mean)·rstd·gamma[i] + beta[i].
TEXT ·normAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ gamma+8(FP), SI
	MOVQ beta+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mean+32(FP), Y4
	VBROADCASTSS rstd+36(FP), Y5
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (DI), Y0
	VSUBPS Y4, Y0, Y0
	VMULPS Y5, Y0, Y0
	VMOVUPS (DX), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
