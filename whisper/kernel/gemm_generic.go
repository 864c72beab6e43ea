package kernel

import "unsafe"

// genericKernel is the portable pure-Go micro-kernel.
var genericKernel = microKernel{name: "go-4x4", mr: 4, nr: 4, fn: kernGeneric4x4}

// kernGeneric4x4 is the pure-Go 4×4 micro-kernel (see microKernel.fn).
func kernGeneric4x4(kc int, a, b, c *float32, ldc, flags int, bias *float32) {
	ap := unsafe.Slice(a, 4*kc)
	bp := unsafe.Slice(b, 4*kc)
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		av := ap[4*p : 4*p+4 : 4*p+4]
		bv := bp[4*p : 4*p+4 : 4*p+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
	if flags&flagBias != 0 {
		bs := unsafe.Slice(bias, 4)
		for i := 0; i < 16; i++ {
			acc[i] += bs[i&3]
		}
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	for r := 0; r < 4; r++ {
		row := cs[r*ldc : r*ldc+4 : r*ldc+4]
		if flags&flagAccum != 0 {
			row[0] += acc[4*r]
			row[1] += acc[4*r+1]
			row[2] += acc[4*r+2]
			row[3] += acc[4*r+3]
		} else {
			row[0] = acc[4*r]
			row[1] = acc[4*r+1]
			row[2] = acc[4*r+2]
			row[3] = acc[4*r+3]
		}
	}
}
