package silk

import "math/bits"

// Fixed-point arithmetic of SILK (libopus silk/SigProc_FIX.h, macros.h and
// Inlines.h, in their 64-bit variants). Values are int32 and wrap on
// overflow where the C code lets them.

// smulwb is (a * int16(b)) >> 16.
func smulwb(a, b int32) int32 { return int32((int64(a) * int64(int16(b))) >> 16) }

// smlawb is a + (b * int16(c)) >> 16.
func smlawb(a, b, c int32) int32 { return a + int32((int64(b)*int64(int16(c)))>>16) }

// smulww is (a * b) >> 16.
func smulww(a, b int32) int32 { return int32((int64(a) * int64(b)) >> 16) }

// smlaww is a + (b * c) >> 16.
func smlaww(a, b, c int32) int32 { return a + int32((int64(b)*int64(c))>>16) }

// smulbb is int16(a) * int16(b).
func smulbb(a, b int32) int32 { return int32(int16(a)) * int32(int16(b)) }

// smlabb is a + int16(b) * int16(c).
func smlabb(a, b, c int32) int32 { return a + int32(int16(b))*int32(int16(c)) }

// smultt is (a >> 16) * (b >> 16).
func smultt(a, b int32) int32 { return (a >> 16) * (b >> 16) }

// smmul is (a * b) >> 32.
func smmul(a, b int32) int32 { return int32((int64(a) * int64(b)) >> 32) }

// rshiftRound is a >> shift, rounded.
func rshiftRound(a int32, shift uint) int32 {
	if shift == 1 {
		return (a >> 1) + (a & 1)
	}
	return ((a >> (shift - 1)) + 1) >> 1
}

// rshiftRound64 is a >> shift, rounded.
func rshiftRound64(a int64, shift uint) int64 {
	if shift == 1 {
		return (a >> 1) + (a & 1)
	}
	return ((a >> (shift - 1)) + 1) >> 1
}

// sat16 clamps a to the int16 range.
func sat16(a int32) int32 {
	if a > 32767 {
		return 32767
	}
	if a < -32768 {
		return -32768
	}
	return a
}

// addSat32 adds with saturation.
func addSat32(a, b int32) int32 {
	s := int64(a) + int64(b)
	if s > 0x7FFFFFFF {
		return 0x7FFFFFFF
	}
	if s < -0x80000000 {
		return -0x80000000
	}
	return int32(s)
}

// subSat32 subtracts with saturation.
func subSat32(a, b int32) int32 {
	s := int64(a) - int64(b)
	if s > 0x7FFFFFFF {
		return 0x7FFFFFFF
	}
	if s < -0x80000000 {
		return -0x80000000
	}
	return int32(s)
}

// limit clamps a between the two limits, in either order.
func limit(a, l1, l2 int32) int32 {
	if l1 > l2 {
		l1, l2 = l2, l1
	}
	return min(max(a, l1), l2)
}

// lshiftSat32 is a << shift, saturated.
func lshiftSat32(a int32, shift uint) int32 {
	return limit(a, int32(-0x80000000)>>shift, int32(0x7FFFFFFF)>>shift) << shift
}

// abs32 is |a| (wrapping for the minimum, as silk_abs).
func abs32(a int32) int32 {
	if a > 0 {
		return a
	}
	return -a
}

// clz32 counts the leading zeros of a (32 for 0).
func clz32(a int32) int32 { return int32(bits.LeadingZeros32(uint32(a))) }

// ror32 rotates a right by rot bits (left for negative rot).
func ror32(a int32, rot int32) int32 {
	x := uint32(a)
	if rot == 0 {
		return a
	}
	if rot < 0 {
		return int32(bits.RotateLeft32(x, int(-rot)))
	}
	return int32(bits.RotateLeft32(x, -int(rot)))
}

// clzFrac returns the leading zeros of a and the 7 bits after the
// leading one.
func clzFrac(a int32) (lz, fracQ7 int32) {
	lz = clz32(a)
	return lz, ror32(a, 24-lz) & 0x7f
}

// sqrtApprox approximates the square root of x.
func sqrtApprox(x int32) int32 {
	if x <= 0 {
		return 0
	}
	lz, frac := clzFrac(x)
	var y int32
	if lz&1 != 0 {
		y = 32768
	} else {
		y = 46214
	}
	y >>= uint(lz >> 1)
	return smlawb(y, y, smulbb(213, frac))
}

// div32VarQ approximates (a << qres) / b.
func div32VarQ(a, b int32, qres int) int32 {
	aHeadrm := clz32(abs32(a)) - 1
	aNrm := a << uint(aHeadrm)
	bHeadrm := clz32(abs32(b)) - 1
	bNrm := b << uint(bHeadrm)
	bInv := (0x7FFFFFFF >> 2) / (bNrm >> 16)
	result := smulwb(aNrm, bInv)
	aNrm -= int32(uint32(smmul(bNrm, result)) << 3)
	result = smlawb(result, aNrm, bInv)
	lshift := 29 + int(aHeadrm) - int(bHeadrm) - qres
	if lshift < 0 {
		return lshiftSat32(result, uint(-lshift))
	}
	if lshift < 32 {
		return result >> uint(lshift)
	}
	return 0
}

// inverse32VarQ approximates (1 << qres) / b.
func inverse32VarQ(b int32, qres int) int32 {
	bHeadrm := clz32(abs32(b)) - 1
	bNrm := b << uint(bHeadrm)
	bInv := (0x7FFFFFFF >> 2) / (bNrm >> 16)
	result := bInv << 16
	errQ32 := ((int32(1) << 29) - smulwb(bNrm, bInv)) << 3
	result = smlaww(result, errQ32, bInv)
	lshift := 61 - int(bHeadrm) - qres
	if lshift <= 0 {
		return lshiftSat32(result, uint(-lshift))
	}
	if lshift < 32 {
		return result >> uint(lshift)
	}
	return 0
}

// log2lin approximates 2^(x/128).
func log2lin(x int32) int32 {
	if x < 0 {
		return 0
	}
	if x >= 3967 {
		return 0x7FFFFFFF
	}
	out := int32(1) << uint(x>>7)
	frac := x & 0x7F
	if x < 2048 {
		out += (out * smlawb(frac, smulbb(frac, 128-frac), -174)) >> 7
	} else {
		out += (out >> 7) * smlawb(frac, smulbb(frac, 128-frac), -174)
	}
	return out
}

// random is silk_RAND: the next value of the linear congruential
// generator.
func random(seed int32) int32 { return int32(uint32(907633515) + uint32(seed)*196314165) }
