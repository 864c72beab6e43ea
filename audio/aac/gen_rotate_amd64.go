//go:build ignore

// gen_rotate_amd64 writes rotate_amd64.s: the rotations of the inverse
// MDCTs around their FFTs, and shortSpan, in SSE.
//
//	go run gen_rotate_amd64.go
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

var b bytes.Buffer

func e(format string, args ...any) {
	fmt.Fprintf(&b, format, args...)
	b.WriteByte('\n')
}

func rotateIn(l int) {
	m := 2 * l
	name := fmt.Sprintf("rotateIn%dSSE", l)
	e("// func %s(in, natRe, natIm *float32, rev *int32, re, im *float32)", name)
	e("//")
	e("// The FFT's input points 4b..4b+3 are the pairs k0, k0+%d, k0+%d and", l/2, l/4)
	e("// k0+%d with k0 = rev[4b], so for four consecutive k0 = c..c+3 the four", 3*l/4)
	e("// streams of pairs are contiguous. Each iteration rotates them, runs the")
	e("// radix-4 butterflies with the k0 in the lanes, transposes, and stores the")
	e("// four points of each k0 at re[rev[k0]] and im[rev[k0]]. CX = 4c, DX = -4c.")
	e("TEXT ·%s(SB), NOSPLIT, $0-48", name)
	e("\tMOVQ in+0(FP), SI")
	e("\tMOVQ natRe+8(FP), R8")
	e("\tMOVQ natIm+16(FP), R9")
	e("\tMOVQ rev+24(FP), R10")
	e("\tMOVQ re+32(FP), DI")
	e("\tMOVQ im+40(FP), R13")
	e("\tXORQ CX, CX")
	e("\tXORQ DX, DX")
	e("in%d:", l)
	regs := [4][2]string{{"X8", "X9"}, {"X10", "X11"}, {"X12", "X13"}, {"X14", "X15"}}
	for s, o := range []int{0, l / 2, l / 4, 3 * l / 4} {
		xr, xi := regs[s][0], regs[s][1]
		e("\t// pairs k = c+%d..: a = in[2k], b = in[%d-2k], rotated into %s, %s", o, m-1, xr, xi)
		e("\tMOVUPS %d(SI)(CX*2), X0", 8*o)
		e("\tMOVUPS %d(SI)(CX*2), X1", 8*o+16)
		e("\tSHUFPS $0x88, X1, X0")
		e("\tMOVUPS %d(SI)(DX*2), X2", 4*m-32-8*o)
		e("\tMOVUPS %d(SI)(DX*2), X3", 4*m-16-8*o)
		e("\tSHUFPS $0xdd, X3, X2")
		e("\tPSHUFD $0x1b, X2, X2")
		e("\tMOVUPS %d(R8)(CX*1), X4", 4*o)
		e("\tMOVUPS %d(R9)(CX*1), X5", 4*o)
		e("\tMOVAPS X0, %s", xr)
		e("\tMULPS  X4, %s", xr)
		e("\tMOVAPS X2, X6")
		e("\tMULPS  X5, X6")
		e("\tSUBPS  X6, %s", xr)
		e("\tMOVAPS X0, %s", xi)
		e("\tMULPS  X5, %s", xi)
		e("\tMULPS  X4, X2")
		e("\tADDPS  X2, %s", xi)
	}
	e(`	// a = x0 + x1 (X0, X1), b = x0 - x1 (X8, X9), c = x2 + x3 (X2, X3),
	// d = x2 - x3 (X12, X13)
	MOVAPS X8, X0
	ADDPS  X10, X0
	SUBPS  X10, X8
	MOVAPS X9, X1
	ADDPS  X11, X1
	SUBPS  X11, X9
	MOVAPS X12, X2
	ADDPS  X14, X2
	SUBPS  X14, X12
	MOVAPS X13, X3
	ADDPS  X15, X3
	SUBPS  X15, X13
	// z0 = a + c (X4, X5), z2 = a - c (X0, X1), z1 = (br + di, bi - dr)
	// (X6, X7), z3 = (br - di, bi + dr) (X8, X9)
	MOVAPS X0, X4
	ADDPS  X2, X4
	SUBPS  X2, X0
	MOVAPS X1, X5
	ADDPS  X3, X5
	SUBPS  X3, X1
	MOVAPS X8, X6
	ADDPS  X13, X6
	SUBPS  X13, X8
	MOVAPS X9, X7
	SUBPS  X12, X7
	ADDPS  X12, X9
	// Destinations: rev[c..c+3].
	MOVLQSX 0(R10)(CX*1), AX
	MOVLQSX 4(R10)(CX*1), BX
	MOVLQSX 8(R10)(CX*1), R11
	MOVLQSX 12(R10)(CX*1), R12`)
	for _, t := range []struct {
		rows [4]string
		base string
	}{{[4]string{"X4", "X6", "X0", "X8"}, "DI"}, {[4]string{"X5", "X7", "X1", "X9"}, "R13"}} {
		a, bb, c, d := t.rows[0], t.rows[1], t.rows[2], t.rows[3]
		e("\t// transpose %s %s %s %s and store to (%s)", a, bb, c, d, t.base)
		e("\tMOVAPS   %s, X10", a)
		e("\tUNPCKLPS %s, X10", bb)
		e("\tUNPCKHPS %s, %s", bb, a)
		e("\tMOVAPS   %s, X11", c)
		e("\tUNPCKLPS %s, X11", d)
		e("\tUNPCKHPS %s, %s", d, c)
		e("\tMOVAPS   X10, X12")
		e("\tMOVLHPS  X11, X12")
		e("\tMOVHLPS  X10, X11")
		e("\tMOVAPS   %s, X13", a)
		e("\tMOVLHPS  %s, X13", c)
		e("\tMOVHLPS  %s, %s", a, c)
		e("\tMOVUPS   X12, (%s)(AX*4)", t.base)
		e("\tMOVUPS   X11, (%s)(BX*4)", t.base)
		e("\tMOVUPS   X13, (%s)(R11*4)", t.base)
		e("\tMOVUPS   %s, (%s)(R12*4)", c, t.base)
	}
	e("\tADDQ $16, CX\n\tSUBQ $16, DX\n\tCMPQ CX, $%d\n\tJL   in%d\n\tRET\n", l, l)
}

// inter stores a interleaved with brev reversed at off(DX)(R*2).
func inter(a, brev string, off int, r string) {
	e("\tPSHUFD   $0x1b, %s, X4", brev)
	e("\tMOVAPS   %s, X5", a)
	e("\tUNPCKLPS X4, X5")
	e("\tUNPCKHPS X4, %s", a)
	e("\tMOVUPS   X5, %d(DX)(%s*2)", off, r)
	e("\tMOVUPS   %s, %d(DX)(%s*2)", a, off+16, r)
}

func rotateOut512() {
	e(`// func rotateOut512SSE(re, im, tr, ti, pr, pi, u *float32)
//
// The last radix-2 stage and the rotation back, for butterflies j..j+3
// (AX = 4j) and the mirrored ones mj = 252-j.. (BX = 4mj): u[2j+1] comes
// from butterfly 255-j, so each iteration interleaves the outputs of
// block j with those of block mj reversed.
TEXT ·rotateOut512SSE(SB), NOSPLIT, $0-56
	MOVQ re+0(FP), SI
	MOVQ im+8(FP), DI
	MOVQ tr+16(FP), R8
	MOVQ ti+24(FP), R9
	MOVQ pr+32(FP), R10
	MOVQ pi+40(FP), R11
	MOVQ u+48(FP), DX
	MOVUPS rotSign<>(SB), X15
	XORQ AX, AX
	MOVQ $1008, BX
out512:`)
	block := func(r, la, lai, hbr, hbi string) {
		e("\t// block at %s: LAr = %s, LAi = %s, HBr = %s, HBi = %s", r, la, lai, hbr, hbi)
		e("\tMOVUPS 1024(SI)(%s*1), X0", r)
		e("\tMOVUPS 1024(DI)(%s*1), X1", r)
		e("\tMOVUPS (R8)(%s*1), X2", r)
		e("\tMOVUPS (R9)(%s*1), X3", r)
		e("\tMOVAPS X0, X4\n\tMULPS  X2, X4\n\tMOVAPS X1, X5\n\tMULPS  X3, X5\n\tSUBPS  X5, X4")
		e("\tMULPS  X3, X0\n\tMULPS  X2, X1\n\tADDPS  X1, X0")
		e("\tMOVUPS (SI)(%s*1), X1", r)
		e("\tMOVUPS (DI)(%s*1), X2", r)
		e("\tMOVAPS X1, X3\n\tADDPS  X4, X1\n\tSUBPS  X4, X3")
		e("\tMOVAPS X2, X5\n\tADDPS  X0, X2\n\tSUBPS  X0, X5")
		e("\tMOVUPS (R10)(%s*1), X6", r)
		e("\tMOVUPS (R11)(%s*1), X7", r)
		e("\tMOVAPS X1, %s\n\tMULPS  X6, %s", la, la)
		e("\tMOVAPS X2, X4\n\tMULPS  X7, X4")
		e("\tSUBPS  X4, %s", la)
		e("\tMULPS  X7, X1\n\tMULPS  X6, X2\n\tADDPS  X2, X1\n\tXORPS  X15, X1")
		if lai != "X1" {
			e("\tMOVAPS X1, %s", lai)
		}
		e("\tMOVUPS 1024(R10)(%s*1), X6", r)
		e("\tMOVUPS 1024(R11)(%s*1), X7", r)
		e("\tMOVAPS X3, %s\n\tMULPS  X6, %s", hbr, hbr)
		e("\tMOVAPS X5, X4\n\tMULPS  X7, X4")
		e("\tSUBPS  X4, %s", hbr)
		e("\tMULPS  X7, X3\n\tMULPS  X6, X5\n\tADDPS  X5, X3\n\tXORPS  X15, X3")
		if hbi != "X3" {
			e("\tMOVAPS X3, %s", hbi)
		}
	}
	block("AX", "X8", "X9", "X10", "X11")
	block("BX", "X12", "X13", "X14", "X3")
	e("\t// u[2j..] = LAr_j, HBi_mj reversed, interleaved; u[512+2j..] = HBr_j, LAi_mj")
	inter("X8", "X3", 0, "AX")
	inter("X10", "X13", 2048, "AX")
	e("\t// u[2mj..] = LAr_mj, HBi_j reversed; u[512+2mj..] = HBr_mj, LAi_j")
	inter("X12", "X11", 0, "BX")
	inter("X14", "X9", 2048, "BX")
	e("\tADDQ $16, AX\n\tSUBQ $16, BX\n\tCMPQ AX, $512\n\tJL   out512\n\tRET\n")
}

func rotateOut64() {
	e(`// func rotateOut64SSE(re, im, pr, pi, u *float32)
//
// The rotation back for the FFT of 64 points (which has no radix-2 stage):
// u[2k] = Re(z·p), u[127-2k] = -Im(z·p), for outputs k..k+3 (AX = 4k) and
// the mirrored ones mk = 60-k.. (BX = 4mk), whose outputs interleave.
TEXT ·rotateOut64SSE(SB), NOSPLIT, $0-40
	MOVQ re+0(FP), SI
	MOVQ im+8(FP), DI
	MOVQ pr+16(FP), R10
	MOVQ pi+24(FP), R11
	MOVQ u+32(FP), DX
	MOVUPS rotSign<>(SB), X15
	XORQ AX, AX
	MOVQ $240, BX
out64:`)
	block := func(r, reOut, imOut string) {
		e("\tMOVUPS (SI)(%s*1), X0", r)
		e("\tMOVUPS (DI)(%s*1), X1", r)
		e("\tMOVUPS (R10)(%s*1), X2", r)
		e("\tMOVUPS (R11)(%s*1), X3", r)
		e("\tMOVAPS X0, %s\n\tMULPS  X2, %s", reOut, reOut)
		e("\tMOVAPS X1, X4\n\tMULPS  X3, X4")
		e("\tSUBPS  X4, %s", reOut)
		e("\tMULPS  X3, X0\n\tMULPS  X2, X1\n\tADDPS  X1, X0\n\tXORPS  X15, X0")
		e("\tMOVAPS X0, %s", imOut)
	}
	block("AX", "X8", "X9")
	block("BX", "X10", "X11")
	e("\t// u[2k..] = Re_k, -Im_mk reversed; u[2mk..] = Re_mk, -Im_k reversed")
	inter("X8", "X11", 0, "AX")
	inter("X10", "X9", 0, "BX")
	e("\tADDQ $16, AX\n\tSUBQ $16, BX\n\tCMPQ AX, $128\n\tJL   out64\n\tRET\n")
}

const shortSpan = `// func shortSpanSSE(a, b, fall, rise, dst *[128]float32)
//
// shortSpanGo: dst[n] = -a[63-n]·fall[n] + b[64+n]·rise[n] for n < 64,
// -a[n-64]·fall[n] + -b[191-n]·rise[n] above.
TEXT ·shortSpanSSE(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ fall+16(FP), R8
	MOVQ rise+24(FP), R9
	MOVQ dst+32(FP), DX
	MOVUPS rotSign<>(SB), X15
	XORQ AX, AX
	MOVQ $240, BX             // byte offset of a[60-n], then of b[188-n]
span1:
	MOVUPS (SI)(BX*1), X0
	PSHUFD $0x1b, X0, X0
	XORPS  X15, X0
	MOVUPS (R8)(AX*1), X1
	MULPS  X1, X0
	MOVUPS 256(DI)(AX*1), X2
	MOVUPS (R9)(AX*1), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	MOVUPS X0, (DX)(AX*1)
	ADDQ   $16, AX
	SUBQ   $16, BX
	CMPQ   AX, $256
	JL     span1
	MOVQ $496, BX
span2:
	MOVUPS -256(SI)(AX*1), X0
	XORPS  X15, X0
	MOVUPS (R8)(AX*1), X1
	MULPS  X1, X0
	MOVUPS (DI)(BX*1), X2
	PSHUFD $0x1b, X2, X2
	XORPS  X15, X2
	MOVUPS (R9)(AX*1), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	MOVUPS X0, (DX)(AX*1)
	ADDQ   $16, AX
	SUBQ   $16, BX
	CMPQ   AX, $512
	JL     span2
	RET`

func main() {
	e("// Code generated by gen_rotate_amd64.go; DO NOT EDIT.\n")
	e("//go:build !purego\n")
	e("#include \"textflag.h\"\n")
	e("// The rotations of the inverse MDCTs around their FFTs (see rotateInGo and")
	e("// rotateOutGo), four points at a time, for the long (N = 2048, an FFT of")
	e("// 512 points) and short (N = 256, 64 points) transforms; and shortSpan.\n")
	for i := range 4 {
		e("DATA rotSign<>+%d(SB)/4, $0x80000000", 4*i)
	}
	e("GLOBL rotSign<>(SB), RODATA|NOPTR, $16\n")
	rotateIn(512)
	rotateOut512()
	rotateIn(64)
	rotateOut64()
	e("%s", shortSpan)
	if err := os.WriteFile("rotate_amd64.s", []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644); err != nil {
		panic(err)
	}
}
