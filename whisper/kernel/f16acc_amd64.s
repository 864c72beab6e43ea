//go:build amd64 && !purego

#include "textflag.h"

// func dotsF16Acc4AVX2(q *float32, k *byte, ldk, d, nrows int, out *float32)
// out[j] = Σ_p q[p]·k[j*ldk+p] for j < nrows, p < d (a multiple of 32), k
// little-endian halves (ldk in elements), one row at a time: four 8-lane
// FMA accumulators over consecutive 32-element chunks of the row, summed
// (a0+a1)+(a2+a3), then lanes (l, l+4) and a two-step horizontal add.
// dotAcc4Go is the same order in Go; dotsAcc4AVX2 the same on float32 rows.
TEXT ·dotsF16Acc4AVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ k+8(FP), DI
	MOVQ ldk+16(FP), R8
	SHLQ $1, R8
	MOVQ d+24(FP), R10
	SHRQ $5, R10
	MOVQ nrows+32(FP), R11
	MOVQ out+40(FP), DX
	TESTQ R11, R11
	JZ   done

row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R10, CX
	TESTQ CX, CX
	JZ   reduce

loop:
	VCVTPH2PS (BX), Y4
	VCVTPH2PS 16(BX), Y5
	VCVTPH2PS 32(BX), Y6
	VCVTPH2PS 48(BX), Y7
	VFMADD231PS (AX), Y4, Y0
	VFMADD231PS 32(AX), Y5, Y1
	VFMADD231PS 64(AX), Y6, Y2
	VFMADD231PS 96(AX), Y7, Y3
	ADDQ $64, BX
	ADDQ $128, AX
	DECQ CX
	JNZ  loop

reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	ADDQ R8, DI
	DECQ R11
	JNZ  row

done:
	VZEROUPPER
	RET

// func dotsAcc4AVX2(q *float32, k *float32, ldk, d, nrows int, out *float32)
// dotsF16Acc4AVX2 on float32 rows: the same sums in the same order.
TEXT ·dotsAcc4AVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ k+8(FP), DI
	MOVQ ldk+16(FP), R8
	SHLQ $2, R8
	MOVQ d+24(FP), R10
	SHRQ $5, R10
	MOVQ nrows+32(FP), R11
	MOVQ out+40(FP), DX
	TESTQ R11, R11
	JZ   done

row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R10, CX
	TESTQ CX, CX
	JZ   reduce

loop:
	VMOVUPS (BX), Y4
	VMOVUPS 32(BX), Y5
	VMOVUPS 64(BX), Y6
	VMOVUPS 96(BX), Y7
	VFMADD231PS (AX), Y4, Y0
	VFMADD231PS 32(AX), Y5, Y1
	VFMADD231PS 64(AX), Y6, Y2
	VFMADD231PS 96(AX), Y7, Y3
	ADDQ $128, BX
	ADDQ $128, AX
	DECQ CX
	JNZ  loop

reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	ADDQ R8, DI
	DECQ R11
	JNZ  row

done:
	VZEROUPPER
	RET


// func dotsF16Acc4x2AVX2(q0 *float32, q1 *float32, k *byte, ldk, d, nrows int, out0 *float32, out1 *float32)
// dotsF16Acc4AVX2 for 2 rows of activations at once: each chunk of halves
// is converted once and used by every row, whose sums are the single-row
// kernel's, in the same order (the same bits).
TEXT ·dotsF16Acc4x2AVX2(SB), NOSPLIT, $0-64
	MOVQ q0+0(FP), SI
	MOVQ q1+8(FP), R9
	MOVQ k+16(FP), DI
	MOVQ ldk+24(FP), R8
	SHLQ $1, R8
	MOVQ d+32(FP), R10
	SHRQ $5, R10
	MOVQ nrows+40(FP), R11
	MOVQ out0+48(FP), DX
	MOVQ out1+56(FP), R12
	TESTQ R11, R11
	JZ   x2done

x2row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ AX, AX
	MOVQ DI, BX
	MOVQ R10, CX
	TESTQ CX, CX
	JZ   x2reduce

x2loop:
	VCVTPH2PS (BX), Y4
	VCVTPH2PS 16(BX), Y5
	VCVTPH2PS 32(BX), Y6
	VCVTPH2PS 48(BX), Y7
	VFMADD231PS (SI)(AX*1), Y4, Y0
	VFMADD231PS 32(SI)(AX*1), Y5, Y1
	VFMADD231PS 64(SI)(AX*1), Y6, Y2
	VFMADD231PS 96(SI)(AX*1), Y7, Y3
	VFMADD231PS (R9)(AX*1), Y4, Y8
	VFMADD231PS 32(R9)(AX*1), Y5, Y9
	VFMADD231PS 64(R9)(AX*1), Y6, Y10
	VFMADD231PS 96(R9)(AX*1), Y7, Y11
	ADDQ $64, BX
	ADDQ $128, AX
	DECQ CX
	JNZ  x2loop

x2reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VADDPS Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPS X9, X8, X8
	VHADDPS X8, X8, X8
	VHADDPS X8, X8, X8
	VMOVSS X8, (R12)
	ADDQ $4, R12
	ADDQ R8, DI
	DECQ R11
	JNZ  x2row

x2done:
	VZEROUPPER
	RET

// func dotsF16Acc4x3AVX2(q0 *float32, q1 *float32, q2 *float32, k *byte, ldk, d, nrows int, out0 *float32, out1 *float32, out2 *float32)
// dotsF16Acc4AVX2 for 3 rows of activations at once: each chunk of halves
// is converted once and used by every row, whose sums are the single-row
// kernel's, in the same order (the same bits).
TEXT ·dotsF16Acc4x3AVX2(SB), NOSPLIT, $0-80
	MOVQ q0+0(FP), SI
	MOVQ q1+8(FP), R9
	MOVQ q2+16(FP), R14
	MOVQ k+24(FP), DI
	MOVQ ldk+32(FP), R8
	SHLQ $1, R8
	MOVQ d+40(FP), R10
	SHRQ $5, R10
	MOVQ nrows+48(FP), R11
	MOVQ out0+56(FP), DX
	MOVQ out1+64(FP), R12
	MOVQ out2+72(FP), R13
	TESTQ R11, R11
	JZ   x3done

x3row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
	MOVQ DI, BX
	MOVQ R10, CX
	TESTQ CX, CX
	JZ   x3reduce

x3loop:
	VCVTPH2PS (BX), Y4
	VCVTPH2PS 16(BX), Y5
	VCVTPH2PS 32(BX), Y6
	VCVTPH2PS 48(BX), Y7
	VFMADD231PS (SI)(AX*1), Y4, Y0
	VFMADD231PS 32(SI)(AX*1), Y5, Y1
	VFMADD231PS 64(SI)(AX*1), Y6, Y2
	VFMADD231PS 96(SI)(AX*1), Y7, Y3
	VFMADD231PS (R9)(AX*1), Y4, Y8
	VFMADD231PS 32(R9)(AX*1), Y5, Y9
	VFMADD231PS 64(R9)(AX*1), Y6, Y10
	VFMADD231PS 96(R9)(AX*1), Y7, Y11
	VFMADD231PS (R14)(AX*1), Y4, Y12
	VFMADD231PS 32(R14)(AX*1), Y5, Y13
	VFMADD231PS 64(R14)(AX*1), Y6, Y14
	VFMADD231PS 96(R14)(AX*1), Y7, Y15
	ADDQ $64, BX
	ADDQ $128, AX
	DECQ CX
	JNZ  x3loop

x3reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VADDPS Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPS X9, X8, X8
	VHADDPS X8, X8, X8
	VHADDPS X8, X8, X8
	VMOVSS X8, (R12)
	ADDQ $4, R12
	VADDPS Y13, Y12, Y12
	VADDPS Y15, Y14, Y14
	VADDPS Y14, Y12, Y12
	VEXTRACTF128 $1, Y12, X13
	VADDPS X13, X12, X12
	VHADDPS X12, X12, X12
	VHADDPS X12, X12, X12
	VMOVSS X12, (R13)
	ADDQ $4, R13
	ADDQ R8, DI
	DECQ R11
	JNZ  x3row

x3done:
	VZEROUPPER
	RET
