package silk

// Constants of the NLSF quantizer (silk/define.h).
const (
	maxLPCOrder           = 16
	minLPCOrder           = 10
	nlsfQuantMaxAmplitude = 4
	nlsfQuantLevelAdjQ10  = 102 // SILK_FIX_CONST(0.1, 10)
	maxLPCStabilizeIters  = 16
	nlsfStabilizeMaxLoops = 20
	lpcInvPredGainQA      = 24
	lpcInvPredGainALimit  = 16773022 // SILK_FIX_CONST(0.99975, 24)
	minInvPredGainQ30     = 107374   // SILK_FIX_CONST(1/1e4, 30)
)

// nlsfUnpack returns the entropy-table offsets and predictor coefficients
// for first-stage vector cb1 (silk_NLSF_unpack).
func nlsfUnpack(ecIx *[maxLPCOrder]int16, predQ8 *[maxLPCOrder]uint8, cb *nlsfCodebook, cb1 int) {
	sel := cb.ecSel[cb1*cb.order/2:]
	for i := 0; i < cb.order; i += 2 {
		entry := sel[i/2]
		ecIx[i] = int16(((entry >> 1) & 7) * (2*nlsfQuantMaxAmplitude + 1))
		predQ8[i] = cb.predQ8[i+int(entry&1)*(cb.order-1)]
		ecIx[i+1] = int16(((entry >> 5) & 7) * (2*nlsfQuantMaxAmplitude + 1))
		predQ8[i+1] = cb.predQ8[i+int((entry>>4)&1)*(cb.order-1)+1]
	}
}

// nlsfDecode turns the codebook path into an NLSF vector in Q15
// (silk_NLSF_decode).
func nlsfDecode(nlsfQ15 []int16, indices *[maxLPCOrder + 1]int8, cb *nlsfCodebook) {
	var ecIx [maxLPCOrder]int16
	var predQ8 [maxLPCOrder]uint8
	var resQ10 [maxLPCOrder]int16
	cb1 := int(indices[0])
	nlsfUnpack(&ecIx, &predQ8, cb, cb1)

	// Predictive residual dequantizer.
	var outQ10 int32
	for i := cb.order - 1; i >= 0; i-- {
		predQ10 := smulbb(outQ10, int32(predQ8[i])) >> 8
		outQ10 = int32(indices[i+1]) << 10
		if outQ10 > 0 {
			outQ10 -= nlsfQuantLevelAdjQ10
		} else if outQ10 < 0 {
			outQ10 += nlsfQuantLevelAdjQ10
		}
		outQ10 = smlawb(predQ10, outQ10, cb.quantStepSizeQ16)
		resQ10[i] = int16(outQ10)
	}

	elem := cb.cb1NLSFQ8[cb1*cb.order:]
	wght := cb.cb1WghtQ9[cb1*cb.order:]
	for i := 0; i < cb.order; i++ {
		tmp := (int32(resQ10[i])<<14)/int32(wght[i]) + int32(elem[i])<<7
		nlsfQ15[i] = int16(limit(tmp, 0, 32767))
	}
	nlsfStabilize(nlsfQ15[:cb.order], cb.deltaMinQ15)
}

// nlsfStabilize moves NLSFs apart so that consecutive ones are at least
// deltaMin apart and sorted (silk_NLSF_stabilize).
func nlsfStabilize(nlsf []int16, deltaMin []int16) {
	l := len(nlsf)
	var loops int
	for loops = 0; loops < nlsfStabilizeMaxLoops; loops++ {
		minDiff := int32(nlsf[0]) - int32(deltaMin[0])
		idx := 0
		for i := 1; i <= l-1; i++ {
			diff := int32(nlsf[i]) - (int32(nlsf[i-1]) + int32(deltaMin[i]))
			if diff < minDiff {
				minDiff = diff
				idx = i
			}
		}
		diff := int32(1<<15) - (int32(nlsf[l-1]) + int32(deltaMin[l]))
		if diff < minDiff {
			minDiff = diff
			idx = l
		}
		if minDiff >= 0 {
			return
		}
		switch idx {
		case 0:
			nlsf[0] = deltaMin[0]
		case l:
			nlsf[l-1] = int16(int32(1<<15) - int32(deltaMin[l]))
		default:
			var minCenter int32
			for k := 0; k < idx; k++ {
				minCenter += int32(deltaMin[k])
			}
			minCenter += int32(deltaMin[idx]) >> 1
			maxCenter := int32(1 << 15)
			for k := l; k > idx; k-- {
				maxCenter -= int32(deltaMin[k])
			}
			maxCenter -= int32(deltaMin[idx]) >> 1
			center := int16(limit(rshiftRound(int32(nlsf[idx-1])+int32(nlsf[idx]), 1), minCenter, maxCenter))
			nlsf[idx-1] = center - int16(deltaMin[idx]>>1)
			nlsf[idx] = nlsf[idx-1] + deltaMin[idx]
		}
	}
	// Fall back: sort, then enforce the distances.
	for i := 1; i < l; i++ {
		v := nlsf[i]
		j := i - 1
		for ; j >= 0 && v < nlsf[j]; j-- {
			nlsf[j+1] = nlsf[j]
		}
		nlsf[j+1] = v
	}
	nlsf[0] = max(nlsf[0], deltaMin[0])
	for i := 1; i < l; i++ {
		nlsf[i] = int16(max(int32(nlsf[i]), sat16(int32(nlsf[i-1])+int32(deltaMin[i]))))
	}
	nlsf[l-1] = int16(min(int32(nlsf[l-1]), int32(1<<15)-int32(deltaMin[l])))
	for i := l - 2; i >= 0; i-- {
		nlsf[i] = int16(min(int32(nlsf[i]), int32(nlsf[i+1])-int32(deltaMin[i+1])))
	}
}

// The orderings of silk_NLSF2A, which improve its numerical accuracy.
var (
	nlsf2aOrdering16 = [16]uint8{0, 15, 8, 7, 4, 11, 12, 3, 2, 13, 10, 5, 6, 9, 14, 1}
	nlsf2aOrdering10 = [10]uint8{0, 9, 6, 3, 4, 5, 8, 1, 2, 7}
)

// nlsf2aFindPoly is silk_NLSF2A_find_poly (QA = 16).
func nlsf2aFindPoly(out []int32, cLSF []int32, dd int) {
	out[0] = 1 << 16
	out[1] = -cLSF[0]
	for k := 1; k < dd; k++ {
		ftmp := cLSF[2*k]
		out[k+1] = out[k-1]<<1 - int32(rshiftRound64(int64(ftmp)*int64(out[k]), 16))
		for n := k; n > 1; n-- {
			out[n] += out[n-2] - int32(rshiftRound64(int64(ftmp)*int64(out[n-1]), 16))
		}
		out[1] -= ftmp
	}
}

// nlsf2a converts NLSFs in Q15 to whitening filter coefficients in Q12
// (silk_NLSF2A); d is 10 or 16.
func nlsf2a(aQ12 []int16, nlsf []int16, d int) {
	ordering := nlsf2aOrdering10[:]
	if d == 16 {
		ordering = nlsf2aOrdering16[:]
	}
	var cosLSF [maxLPCOrder]int32
	for k := 0; k < d; k++ {
		n := int32(nlsf[k])
		fInt := n >> (15 - 7)
		fFrac := n - fInt<<(15-7)
		cosVal := int32(lsfCosTabQ12[fInt])
		delta := int32(lsfCosTabQ12[fInt+1]) - cosVal
		cosLSF[ordering[k]] = rshiftRound(cosVal<<8+delta*fFrac, 20-16)
	}
	dd := d >> 1
	var p, q [maxLPCOrder/2 + 1]int32
	nlsf2aFindPoly(p[:], cosLSF[0:], dd)
	nlsf2aFindPoly(q[:], cosLSF[1:], dd)
	var a32 [maxLPCOrder]int32
	for k := 0; k < dd; k++ {
		ptmp := p[k+1] + p[k]
		qtmp := q[k+1] - q[k]
		a32[k] = -qtmp - ptmp
		a32[d-k-1] = qtmp - ptmp
	}
	lpcFit(aQ12, a32[:d], 12, 17)
	for i := 0; lpcInversePredGain(aQ12[:d]) == 0 && i < maxLPCStabilizeIters; i++ {
		bwexpander32(a32[:d], 65536-int32(2)<<uint(i))
		for k := 0; k < d; k++ {
			aQ12[k] = int16(rshiftRound(a32[k], 17-12))
		}
	}
}

// lpcFit converts coefficients in Q(qin) to int16 in Q(qout) without
// wrap-around (silk_LPC_fit).
func lpcFit(aOut []int16, aIn []int32, qout, qin uint) {
	d := len(aIn)
	var i int
	idx := 0
	for i = 0; i < 10; i++ {
		var maxabs int32
		for k := 0; k < d; k++ {
			a := abs32(aIn[k])
			if a > maxabs {
				maxabs = a
				idx = k
			}
		}
		maxabs = rshiftRound(maxabs, qin-qout)
		if maxabs <= 32767 {
			break
		}
		maxabs = min(maxabs, 163838)
		chirpQ16 := int32(65470) - ((maxabs-32767)<<14)/((maxabs*int32(idx+1))>>2) // 65470 = SILK_FIX_CONST(0.999, 16)
		bwexpander32(aIn, chirpQ16)
	}
	if i == 10 {
		for k := 0; k < d; k++ {
			aOut[k] = int16(sat16(rshiftRound(aIn[k], qin-qout)))
			aIn[k] = int32(aOut[k]) << (qin - qout)
		}
		return
	}
	for k := 0; k < d; k++ {
		aOut[k] = int16(rshiftRound(aIn[k], qin-qout))
	}
}

// bwexpander chirps an int16 AR filter (silk_bwexpander).
func bwexpander(ar []int16, chirpQ16 int32) {
	d := len(ar)
	chirpMinusOne := chirpQ16 - 65536
	for i := 0; i < d-1; i++ {
		ar[i] = int16(rshiftRound(chirpQ16*int32(ar[i]), 16))
		chirpQ16 += rshiftRound(chirpQ16*chirpMinusOne, 16)
	}
	ar[d-1] = int16(rshiftRound(chirpQ16*int32(ar[d-1]), 16))
}

// bwexpander32 chirps an int32 AR filter (silk_bwexpander_32).
func bwexpander32(ar []int32, chirpQ16 int32) {
	d := len(ar)
	chirpMinusOne := chirpQ16 - 65536
	for i := 0; i < d-1; i++ {
		ar[i] = smulww(chirpQ16, ar[i])
		chirpQ16 += rshiftRound(chirpQ16*chirpMinusOne, 16)
	}
	ar[d-1] = smulww(chirpQ16, ar[d-1])
}

// lpcInversePredGain returns the inverse prediction gain of the filter
// in Q30, or 0 if it is unstable (silk_LPC_inverse_pred_gain_c).
func lpcInversePredGain(aQ12 []int16) int32 {
	var a [maxLPCOrder]int32
	var dc int32
	for k, v := range aQ12 {
		dc += int32(v)
		a[k] = int32(v) << (lpcInvPredGainQA - 12)
	}
	if dc >= 4096 {
		return 0
	}
	return lpcInversePredGainQA(a[:len(aQ12)])
}

func mul32FracQ(a, b int32, q uint) int32 { return int32(rshiftRound64(int64(a)*int64(b), q)) }

func lpcInversePredGainQA(a []int32) int32 {
	order := len(a)
	invGainQ30 := int32(1 << 30)
	var k int
	for k = order - 1; k > 0; k-- {
		if a[k] > lpcInvPredGainALimit || a[k] < -lpcInvPredGainALimit {
			return 0
		}
		rcQ31 := -(a[k] << (31 - lpcInvPredGainQA))
		rcMult1Q30 := int32(1<<30) - smmul(rcQ31, rcQ31)
		invGainQ30 = smmul(invGainQ30, rcMult1Q30) << 2
		if invGainQ30 < minInvPredGainQ30 {
			return 0
		}
		mult2Q := 32 - clz32(abs32(rcMult1Q30))
		rcMult2 := inverse32VarQ(rcMult1Q30, int(mult2Q+30))
		for n := 0; n < (k+1)>>1; n++ {
			tmp1 := a[n]
			tmp2 := a[k-n-1]
			t := rshiftRound64(int64(subSat32(tmp1, mul32FracQ(tmp2, rcQ31, 31)))*int64(rcMult2), uint(mult2Q))
			if t > 0x7FFFFFFF || t < -0x80000000 {
				return 0
			}
			a[n] = int32(t)
			t = rshiftRound64(int64(subSat32(tmp2, mul32FracQ(tmp1, rcQ31, 31)))*int64(rcMult2), uint(mult2Q))
			if t > 0x7FFFFFFF || t < -0x80000000 {
				return 0
			}
			a[k-n-1] = int32(t)
		}
	}
	if a[k] > lpcInvPredGainALimit || a[k] < -lpcInvPredGainALimit {
		return 0
	}
	rcQ31 := -(a[0] << (31 - lpcInvPredGainQA))
	rcMult1Q30 := int32(1<<30) - smmul(rcQ31, rcQ31)
	invGainQ30 = smmul(invGainQ30, rcMult1Q30) << 2
	if invGainQ30 < minInvPredGainQ30 {
		return 0
	}
	return invGainQ30
}
