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
