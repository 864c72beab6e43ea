package silk

// decodeCore reconstructs the frame from the excitation pulses and the
// frame's parameters: long-term then short-term prediction (the inverse of
// the noise-shaping quantizer, silk_decode_core).
func (s *channelState) decodeCore(ctl *control, xq []int16, pulses []int16) {
	var sLTP [2 * maxFrameLength]int16
	var sLTPQ15 [2*maxFrameLength + maxFrameLength]int32
	var resQ14 [maxSubFrameLength]int32
	var sLPCQ14 [maxSubFrameLength + maxLPCOrder]int32
	var aQ12 [maxLPCOrder]int16

	offsetQ10 := int32(quantizationOffsetsQ10[s.indices.signalType>>1][s.indices.quantOffsetType])
	interpolated := s.indices.nlsfInterpCoef < 1<<2

	// Excitation.
	seed := int32(s.indices.seed)
	for i := 0; i < s.frameLength; i++ {
		seed = random(seed)
		e := int32(pulses[i]) << 14
		if e > 0 {
			e -= quantLevelAdjustQ10 << 4
		} else if e < 0 {
			e += quantLevelAdjustQ10 << 4
		}
		e += offsetQ10 << 4
		if seed < 0 {
			e = -e
		}
		s.excQ14[i] = e
		seed += int32(pulses[i])
	}

	copy(sLPCQ14[:maxLPCOrder], s.sLPCQ14Buf[:])
	exc := s.excQ14[:]
	out := xq
	sLTPBufIdx := s.ltpMemLength
	var lag int
	for k := 0; k < s.nbSubfr; k++ {
		res := resQ14[:]
		copy(aQ12[:], ctl.predCoefQ12[k>>1][:s.lpcOrder])
		b := ctl.ltpCoefQ14[k*ltpOrder : (k+1)*ltpOrder]
		signalType := int(s.indices.signalType)

		gainQ10 := ctl.gainsQ16[k] >> 6
		invGainQ31 := inverse32VarQ(ctl.gainsQ16[k], 47)

		var gainAdjQ16 int32
		if ctl.gainsQ16[k] != s.prevGainQ16 {
			gainAdjQ16 = div32VarQ(s.prevGainQ16, ctl.gainsQ16[k], 16)
			for i := 0; i < maxLPCOrder; i++ {
				sLPCQ14[i] = smulww(gainAdjQ16, sLPCQ14[i])
			}
		} else {
			gainAdjQ16 = 1 << 16
		}
		s.prevGainQ16 = ctl.gainsQ16[k]

		// Avoid an abrupt transition from voiced PLC to unvoiced decoding.
		if s.lossCnt != 0 && s.prevSignalType == typeVoiced && s.indices.signalType != typeVoiced && k < maxNbSubfr/2 {
			clear(b)
			b[ltpOrder/2] = 4096 // 0.25 in Q14
			signalType = typeVoiced
			ctl.pitchL[k] = s.lagPrev
		}

		if signalType == typeVoiced {
			lag = int(ctl.pitchL[k])
			if k == 0 || (k == 2 && interpolated) {
				// Re-whiten the past output with the new coefficients.
				startIdx := s.ltpMemLength - lag - s.lpcOrder - ltpOrder/2
				if startIdx < 0 {
					startIdx = 0 // only reachable on corrupt state; C would read before the buffer
				}
				if k == 2 {
					copy(s.outBuf[s.ltpMemLength:], xq[:2*s.subfrLength])
				}
				lpcAnalysisFilter(sLTP[startIdx:s.ltpMemLength], s.outBuf[startIdx+k*s.subfrLength:], aQ12[:s.lpcOrder])
				if k == 0 {
					// LTP down-scaling reduces inter-packet dependency.
					invGainQ31 = smulwb(invGainQ31, ctl.ltpScaleQ14) << 2
				}
				for i := 0; i < lag+ltpOrder/2 && i < s.ltpMemLength; i++ {
					sLTPQ15[sLTPBufIdx-i-1] = smulwb(invGainQ31, int32(sLTP[s.ltpMemLength-i-1]))
				}
			} else if gainAdjQ16 != 1<<16 {
				for i := 0; i < lag+ltpOrder/2 && i < sLTPBufIdx; i++ {
					sLTPQ15[sLTPBufIdx-i-1] = smulww(gainAdjQ16, sLTPQ15[sLTPBufIdx-i-1])
				}
			}
		}

		if signalType == typeVoiced {
			// Long-term prediction.
			p := sLTPBufIdx - lag + ltpOrder/2
			for i := 0; i < s.subfrLength; i++ {
				pred := int32(2)
				pred = smlawb(pred, sLTPQ15[p], int32(b[0]))
				pred = smlawb(pred, sLTPQ15[p-1], int32(b[1]))
				pred = smlawb(pred, sLTPQ15[p-2], int32(b[2]))
				pred = smlawb(pred, sLTPQ15[p-3], int32(b[3]))
				pred = smlawb(pred, sLTPQ15[p-4], int32(b[4]))
				p++
				res[i] = exc[i] + pred<<1
				sLTPQ15[sLTPBufIdx] = res[i] << 1
				sLTPBufIdx++
			}
		} else {
			res = exc
		}

		for i := 0; i < s.subfrLength; i++ {
			// Short-term prediction.
			pred := int32(s.lpcOrder >> 1)
			h := sLPCQ14[i : maxLPCOrder+i]
			pred = smlawb(pred, h[15], int32(aQ12[0]))
			pred = smlawb(pred, h[14], int32(aQ12[1]))
			pred = smlawb(pred, h[13], int32(aQ12[2]))
			pred = smlawb(pred, h[12], int32(aQ12[3]))
			pred = smlawb(pred, h[11], int32(aQ12[4]))
			pred = smlawb(pred, h[10], int32(aQ12[5]))
			pred = smlawb(pred, h[9], int32(aQ12[6]))
			pred = smlawb(pred, h[8], int32(aQ12[7]))
			pred = smlawb(pred, h[7], int32(aQ12[8]))
			pred = smlawb(pred, h[6], int32(aQ12[9]))
			if s.lpcOrder == 16 {
				pred = smlawb(pred, h[5], int32(aQ12[10]))
				pred = smlawb(pred, h[4], int32(aQ12[11]))
				pred = smlawb(pred, h[3], int32(aQ12[12]))
				pred = smlawb(pred, h[2], int32(aQ12[13]))
				pred = smlawb(pred, h[1], int32(aQ12[14]))
				pred = smlawb(pred, h[0], int32(aQ12[15]))
			}
			sLPCQ14[maxLPCOrder+i] = addSat32(res[i], lshiftSat32(pred, 4))
			out[i] = int16(sat16(rshiftRound(smulww(sLPCQ14[maxLPCOrder+i], gainQ10), 8)))
		}
		copy(sLPCQ14[:maxLPCOrder], sLPCQ14[s.subfrLength:s.subfrLength+maxLPCOrder])
		exc = exc[s.subfrLength:]
		out = out[s.subfrLength:]
	}
	copy(s.sLPCQ14Buf[:], sLPCQ14[:maxLPCOrder])
}

// lpcAnalysisFilter filters in through the MA filter b (Q12) into out,
// whose first len(b) samples are zero (silk_LPC_analysis_filter); in must
// hold len(out) samples.
func lpcAnalysisFilter(out []int16, in []int16, b []int16) {
	d := len(b)
	for ix := d; ix < len(out); ix++ {
		p := in[ix-d : ix+1] // p[d] is in[ix], p[d-1-j] is in[ix-1-j]
		acc := int32(p[d-1]) * int32(b[0])
		for j := 1; j < d; j++ {
			acc += int32(p[d-1-j]) * int32(b[j])
		}
		acc = int32(p[d])<<12 - acc
		out[ix] = int16(sat16(rshiftRound(acc, 12)))
	}
	clear(out[:min(d, len(out))])
}
