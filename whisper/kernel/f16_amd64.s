//go:build amd64 && !purego

#include "textflag.h"

// func widenF16AVX2(dst *float32, src *uint16, n int)
// dst[i] = float32(src[i]) for i < n (a multiple of 8), 32 at a time while
// possible.
TEXT ·widenF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

loop32:
	CMPQ CX, $32
	JLT  loop8
	VCVTPH2PS (SI), Y0
	VCVTPH2PS 16(SI), Y1
	VCVTPH2PS 32(SI), Y2
	VCVTPH2PS 48(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  loop32

loop8:
	CMPQ CX, $8
	JLT  done
	VCVTPH2PS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  loop8

done:
	VZEROUPPER
	RET

// func dotsF16AVX2(q *float32, k *uint16, ldk, d, nrows int, out *float32)
// out[j] = Σ_p q[p]·k[j*ldk+p] for j < nrows (a multiple of 8), p < d (a
// multiple of 8), k in half precision. As dotsAVX2: eight rows at a time,
// each row's eight halves widened with VCVTPH2PS, reduced with a
// horizontal-add tree.
TEXT ·dotsF16AVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ k+8(FP), DI
	MOVQ ldk+16(FP), R8
	SHLQ $1, R8
	LEAQ (R8)(R8*2), R9
	MOVQ d+24(FP), R10
	MOVQ nrows+32(FP), R11
	MOVQ out+40(FP), DX
	SHRQ $3, R11
	JZ   done

rows8:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, AX
	MOVQ DI, BX
	LEAQ (DI)(R8*4), R12
	MOVQ R10, CX
	SHRQ $3, CX
	JZ   reduce

cols:
	VMOVUPS (AX), Y8
	VCVTPH2PS (BX), Y9
	VCVTPH2PS (BX)(R8*1), Y10
	VCVTPH2PS (BX)(R8*2), Y11
	VCVTPH2PS (BX)(R9*1), Y12
	VFMADD231PS Y9, Y8, Y0
	VFMADD231PS Y10, Y8, Y1
	VFMADD231PS Y11, Y8, Y2
	VFMADD231PS Y12, Y8, Y3
	VCVTPH2PS (R12), Y13
	VCVTPH2PS (R12)(R8*1), Y14
	VCVTPH2PS (R12)(R8*2), Y15
	VCVTPH2PS (R12)(R9*1), Y9
	VFMADD231PS Y13, Y8, Y4
	VFMADD231PS Y14, Y8, Y5
	VFMADD231PS Y15, Y8, Y6
	VFMADD231PS Y9, Y8, Y7
	ADDQ $32, AX
	ADDQ $16, BX
	ADDQ $16, R12
	DECQ CX
	JNZ  cols

reduce:
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y5, Y4, Y4
	VHADDPS Y7, Y6, Y6
	VHADDPS Y2, Y0, Y0
	VHADDPS Y6, Y4, Y4
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y9
	VADDPS Y9, Y8, Y8
	VMOVUPS Y8, (DX)
	ADDQ $32, DX
	LEAQ (DI)(R8*8), DI
	DECQ R11
	JNZ  rows8

done:
	VZEROUPPER
	RET
