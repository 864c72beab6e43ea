package silk

// Gain quantizer constants (silk/gain_quant.c): OFFSET and INV_SCALE_Q16
// for MIN_QGAIN_DB = 2, MAX_QGAIN_DB = 88, N_LEVELS_QGAIN = 64.
const (
	gainOffset      = (2*128)/6 + 16*128
	gainInvScaleQ16 = (65536 * (((88 - 2) * 128) / 6)) / (nLevelsQGain - 1)
)

// gainsDequant turns gain indices into gains in Q16 (silk_gains_dequant).
func gainsDequant(gainQ16 *[maxNbSubfr]int32, ind *[maxNbSubfr]int8, prevInd *int8, conditional bool, nbSubfr int) {
	p := int32(*prevInd)
	for k := 0; k < nbSubfr; k++ {
		if k == 0 && !conditional {
			p = max(int32(ind[k]), p-16)
		} else {
			indTmp := int32(ind[k]) + minDeltaGainQuant
			threshold := 2*maxDeltaGainQuant - nLevelsQGain + p
			if indTmp > threshold {
				p += indTmp<<1 - threshold
			} else {
				p += indTmp
			}
		}
		p = limit(p, 0, nLevelsQGain-1)
		gainQ16[k] = log2lin(min(smulwb(gainInvScaleQ16, p)+gainOffset, 3967))
	}
	*prevInd = int8(p)
}

// decodePitch turns the lag index and contour into per-subframe pitch
// lags (silk_decode_pitch).
func decodePitch(lagIndex int16, contourIndex int8, pitchLags *[maxNbSubfr]int32, fsKHz, nbSubfr int) {
	minLag := int32(peMinLagMs * fsKHz)
	maxLag := int32(peMaxLagMs * fsKHz)
	lag := minLag + int32(lagIndex)
	ci := int(contourIndex)
	for k := 0; k < nbSubfr; k++ {
		var d int8
		switch {
		case fsKHz == 8 && nbSubfr == maxNbSubfr:
			d = cbLagsStage2[k][ci%len(cbLagsStage2[k])]
		case fsKHz == 8:
			d = cbLagsStage2_10ms[k][ci%len(cbLagsStage2_10ms[k])]
		case nbSubfr == maxNbSubfr:
			d = cbLagsStage3[k][ci%len(cbLagsStage3[k])]
		default:
			d = cbLagsStage3_10ms[k][ci%len(cbLagsStage3_10ms[k])]
		}
		pitchLags[k] = limit(lag+int32(d), minLag, maxLag)
	}
}

// decodeParameters turns the frame's indices into filter coefficients,
// gains and pitch parameters (silk_decode_parameters).
func (s *channelState) decodeParameters(ctl *control, condCoding int) {
	gainsDequant(&ctl.gainsQ16, &s.indices.gainsIndices, &s.lastGainIndex, condCoding == codeConditionally, s.nbSubfr)

	var nlsfQ15, nlsf0Q15 [maxLPCOrder]int16
	nlsfDecode(nlsfQ15[:], &s.indices.nlsfIndices, s.nlsfCB)
	nlsf2a(ctl.predCoefQ12[1][:], nlsfQ15[:s.lpcOrder], s.lpcOrder)

	if s.firstFrameAfterReset {
		s.indices.nlsfInterpCoef = 4
	}
	if s.indices.nlsfInterpCoef < 4 {
		for i := 0; i < s.lpcOrder; i++ {
			nlsf0Q15[i] = int16(int32(s.prevNLSFQ15[i]) + (int32(s.indices.nlsfInterpCoef)*(int32(nlsfQ15[i])-int32(s.prevNLSFQ15[i])))>>2)
		}
		nlsf2a(ctl.predCoefQ12[0][:], nlsf0Q15[:s.lpcOrder], s.lpcOrder)
	} else {
		ctl.predCoefQ12[0] = ctl.predCoefQ12[1]
	}
	copy(s.prevNLSFQ15[:s.lpcOrder], nlsfQ15[:s.lpcOrder])

	if s.lossCnt != 0 {
		bwexpander(ctl.predCoefQ12[0][:s.lpcOrder], bweAfterLossQ16)
		bwexpander(ctl.predCoefQ12[1][:s.lpcOrder], bweAfterLossQ16)
	}

	if s.indices.signalType == typeVoiced {
		decodePitch(s.indices.lagIndex, s.indices.contourIndex, &ctl.pitchL, s.fsKHz, s.nbSubfr)
		for k := 0; k < s.nbSubfr; k++ {
			ix := int(s.indices.ltpIndex[k])
			var row *[5]int8
			switch s.indices.perIndex {
			case 0:
				row = &ltpGainVQ0[ix%len(ltpGainVQ0)]
			case 1:
				row = &ltpGainVQ1[ix%len(ltpGainVQ1)]
			default:
				row = &ltpGainVQ2[ix%len(ltpGainVQ2)]
			}
			for i := 0; i < ltpOrder; i++ {
				ctl.ltpCoefQ14[k*ltpOrder+i] = int16(int32(row[i]) << 7)
			}
		}
		ctl.ltpScaleQ14 = int32(ltpScalesQ14[s.indices.ltpScaleIndex])
	} else {
		ctl.pitchL = [maxNbSubfr]int32{}
		ctl.ltpCoefQ14 = [len(ctl.ltpCoefQ14)]int16{}
		s.indices.perIndex = 0
		ctl.ltpScaleQ14 = 0
	}
}
