package silk

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// decodeIndices reads the side information of frame frameIndex
// (silk_decode_indices).
func (s *channelState) decodeIndices(rd *rangecoding.Decoder, frameIndex int, decodeLBRR bool, condCoding int) {
	var ix int
	if decodeLBRR || s.vadFlags[frameIndex] {
		ix = rd.ICDF(typeOffsetVADICDF[:], 8) + 2
	} else {
		ix = rd.ICDF(typeOffsetNoVADICDF[:], 8)
	}
	s.indices.signalType = int8(ix >> 1)
	s.indices.quantOffsetType = int8(ix & 1)

	// Gains.
	if condCoding == codeConditionally {
		s.indices.gainsIndices[0] = int8(rd.ICDF(deltaGainICDF[:], 8))
	} else {
		s.indices.gainsIndices[0] = int8(rd.ICDF(gainICDF[s.indices.signalType][:], 8) << 3)
		s.indices.gainsIndices[0] += int8(rd.ICDF(uniform8ICDF[:], 8))
	}
	for i := 1; i < s.nbSubfr; i++ {
		s.indices.gainsIndices[i] = int8(rd.ICDF(deltaGainICDF[:], 8))
	}

	// NLSF indices.
	cb := s.nlsfCB
	s.indices.nlsfIndices[0] = int8(rd.ICDF(cb.cb1ICDF[int(s.indices.signalType>>1)*cb.nVectors:], 8))
	var ecIx [maxLPCOrder]int16
	var predQ8 [maxLPCOrder]uint8
	nlsfUnpack(&ecIx, &predQ8, cb, int(s.indices.nlsfIndices[0]))
	for i := 0; i < cb.order; i++ {
		ix = rd.ICDF(cb.ecICDF[ecIx[i]:], 8)
		if ix == 0 {
			ix -= rd.ICDF(nlsfExtICDF[:], 8)
		} else if ix == 2*nlsfQuantMaxAmplitude {
			ix += rd.ICDF(nlsfExtICDF[:], 8)
		}
		s.indices.nlsfIndices[i+1] = int8(ix - nlsfQuantMaxAmplitude)
	}
	if s.nbSubfr == maxNbSubfr {
		s.indices.nlsfInterpCoef = int8(rd.ICDF(nlsfInterpolationFactorICDF[:], 8))
	} else {
		s.indices.nlsfInterpCoef = 4
	}

	if s.indices.signalType == typeVoiced {
		// Pitch lag.
		absolute := true
		if condCoding == codeConditionally && s.ecPrevSignalType == typeVoiced {
			delta := int16(rd.ICDF(pitchDeltaICDF[:], 8))
			if delta > 0 {
				s.indices.lagIndex = s.ecPrevLagIndex + delta - 9
				absolute = false
			}
		}
		if absolute {
			s.indices.lagIndex = int16(rd.ICDF(pitchLagICDF[:], 8) * (s.fsKHz >> 1))
			s.indices.lagIndex += int16(rd.ICDF(s.pitchLagLowBitsICDF, 8))
		}
		s.ecPrevLagIndex = s.indices.lagIndex
		s.indices.contourIndex = int8(rd.ICDF(s.pitchContourICDF, 8))

		// LTP gains.
		s.indices.perIndex = int8(rd.ICDF(ltpPerIndexICDF[:], 8))
		var gainICDF []uint8
		switch s.indices.perIndex {
		case 0:
			gainICDF = ltpGainICDF0[:]
		case 1:
			gainICDF = ltpGainICDF1[:]
		default:
			gainICDF = ltpGainICDF2[:]
		}
		for k := 0; k < s.nbSubfr; k++ {
			s.indices.ltpIndex[k] = int8(rd.ICDF(gainICDF, 8))
		}
		if condCoding == codeIndependently {
			s.indices.ltpScaleIndex = int8(rd.ICDF(ltpScaleICDF[:], 8))
		} else {
			s.indices.ltpScaleIndex = 0
		}
	}
	s.ecPrevSignalType = int(s.indices.signalType)
	s.indices.seed = int8(rd.ICDF(uniform4ICDF[:], 8))
}
