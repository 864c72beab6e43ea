package silk

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// stereoState is stereo_dec_state: the mid/side predictor and the two
// samples of history of each signal.
type stereoState struct {
	predPrevQ13 [2]int16
	sMid        [2]int16
	sSide       [2]int16
}

// stereoDecodePred reads the mid/side predictors (silk_stereo_decode_pred).
func stereoDecodePred(rd *rangecoding.Decoder, predQ13 *[2]int32) {
	var ix [2][3]int
	n := rd.ICDF(stereoPredJointICDF[:], 8)
	ix[0][2] = n / 5
	ix[1][2] = n - 5*ix[0][2]
	for n := 0; n < 2; n++ {
		ix[n][0] = rd.ICDF(uniform3ICDF[:], 8)
		ix[n][1] = rd.ICDF(uniform5ICDF[:], 8)
	}
	for n := 0; n < 2; n++ {
		ix[n][0] += 3 * ix[n][2]
		low := int32(stereoPredQuantQ13[ix[n][0]])
		step := smulwb(int32(stereoPredQuantQ13[ix[n][0]+1])-low, 6554) // SILK_FIX_CONST(0.5/5, 16)
		predQ13[n] = smlabb(low, step, int32(2*ix[n][1]+1))
	}
	predQ13[0] -= predQ13[1]
}

// stereoMSToLR converts mid/side to left/right in place; x1 and x2 hold
// two samples of history then n samples (silk_stereo_MS_to_LR).
func (st *stereoState) msToLR(x1, x2 []int16, predQ13 *[2]int32, fsKHz, n int) {
	copy(x1[:2], st.sMid[:])
	copy(x2[:2], st.sSide[:])
	copy(st.sMid[:], x1[n:n+2])
	copy(st.sSide[:], x2[n:n+2])

	pred0 := int32(st.predPrevQ13[0])
	pred1 := int32(st.predPrevQ13[1])
	interp := stereoInterpLenMs * fsKHz
	denomQ16 := int32(1<<16) / int32(interp)
	delta0 := rshiftRound(smulbb(predQ13[0]-int32(st.predPrevQ13[0]), denomQ16), 16)
	delta1 := rshiftRound(smulbb(predQ13[1]-int32(st.predPrevQ13[1]), denomQ16), 16)
	for i := 0; i < n; i++ {
		if i < interp {
			pred0 += delta0
			pred1 += delta1
		} else if i == interp {
			pred0 = predQ13[0]
			pred1 = predQ13[1]
		}
		sum := (int32(x1[i]) + int32(x1[i+2]) + int32(x1[i+1])<<1) << 9
		sum = smlawb(int32(x2[i+1])<<8, sum, pred0)
		sum = smlawb(sum, int32(x1[i+1])<<11, pred1)
		x2[i+1] = int16(sat16(rshiftRound(sum, 8)))
	}
	st.predPrevQ13[0] = int16(predQ13[0])
	st.predPrevQ13[1] = int16(predQ13[1])
	for i := 0; i < n; i++ {
		sum := int32(x1[i+1]) + int32(x2[i+1])
		diff := int32(x1[i+1]) - int32(x2[i+1])
		x1[i+1] = int16(sat16(sum))
		x2[i+1] = int16(sat16(diff))
	}
}
