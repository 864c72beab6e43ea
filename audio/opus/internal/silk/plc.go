package silk

// Packet-loss concealment of SILK (silk/PLC.c).

const (
	plcBWECoefQ16           = 64881 // SILK_FIX_CONST(0.99, 16)
	vPitchGainStartMinQ14   = 11469
	vPitchGainStartMaxQ14   = 15565
	maxPitchLagMs           = 18
	randBufSize             = 128
	randBufMask             = randBufSize - 1
	log2InvLPCGainHighThres = 3
	log2InvLPCGainLowThres  = 8
	pitchDriftFacQ16        = 655
)

var (
	harmAttQ15            = [2]int32{32440, 31130}
	plcRandAttenuateVQ15  = [2]int32{31130, 26214}
	plcRandAttenuateUVQ15 = [2]int32{32440, 29491}
)

// plcReset is silk_PLC_Reset.
func (s *channelState) plcReset() {
	s.plc.pitchLQ8 = int32(s.frameLength) << (8 - 1)
	s.plc.prevGainQ16 = [2]int32{1 << 16, 1 << 16}
	s.plc.subfrLength = 20
	s.plc.nbSubfr = 2
}

// runPLC updates the concealment state after a good frame, or conceals a
// lost one into frame (silk_PLC).
func (s *channelState) runPLC(ctl *control, frame []int16, lost bool) {
	if s.fsKHz != s.plc.fsKHz {
		s.plcReset()
		s.plc.fsKHz = s.fsKHz
	}
	if lost {
		s.plcConceal(ctl, frame)
		s.lossCnt++
	} else {
		s.plcUpdate(ctl)
	}
}

// plcUpdate is silk_PLC_update.
func (s *channelState) plcUpdate(ctl *control) {
	p := &s.plc
	s.prevSignalType = int(s.indices.signalType)
	var ltpGainQ14 int32
	if s.indices.signalType == typeVoiced {
		for j := 0; j*s.subfrLength < int(ctl.pitchL[s.nbSubfr-1]); j++ {
			if j == s.nbSubfr {
				break
			}
			var tmp int32
			for i := 0; i < ltpOrder; i++ {
				tmp += int32(ctl.ltpCoefQ14[(s.nbSubfr-1-j)*ltpOrder+i])
			}
			if tmp > ltpGainQ14 {
				ltpGainQ14 = tmp
				copy(p.ltpCoefQ14[:], ctl.ltpCoefQ14[(s.nbSubfr-1-j)*ltpOrder:])
				p.pitchLQ8 = ctl.pitchL[s.nbSubfr-1-j] << 8
			}
		}
		p.ltpCoefQ14 = [ltpOrder]int16{}
		p.ltpCoefQ14[ltpOrder/2] = int16(ltpGainQ14)
		if ltpGainQ14 < vPitchGainStartMinQ14 {
			scaleQ10 := int32(vPitchGainStartMinQ14<<10) / max(ltpGainQ14, 1)
			for i := range p.ltpCoefQ14 {
				p.ltpCoefQ14[i] = int16(smulbb(int32(p.ltpCoefQ14[i]), scaleQ10) >> 10)
			}
		} else if ltpGainQ14 > vPitchGainStartMaxQ14 {
			scaleQ14 := int32(vPitchGainStartMaxQ14<<14) / max(ltpGainQ14, 1)
			for i := range p.ltpCoefQ14 {
				p.ltpCoefQ14[i] = int16(smulbb(int32(p.ltpCoefQ14[i]), scaleQ14) >> 14)
			}
		}
	} else {
		p.pitchLQ8 = int32(s.fsKHz*18) << 8
		p.ltpCoefQ14 = [ltpOrder]int16{}
	}
	copy(p.prevLPCQ12[:s.lpcOrder], ctl.predCoefQ12[1][:s.lpcOrder])
	p.prevLTPScaleQ14 = int16(ctl.ltpScaleQ14)
	p.prevGainQ16[0] = ctl.gainsQ16[s.nbSubfr-2]
	p.prevGainQ16[1] = ctl.gainsQ16[s.nbSubfr-1]
	p.subfrLength = s.subfrLength
	p.nbSubfr = s.nbSubfr
}

// sumSqrShift returns the energy of x and the right shift applied to make
// it fit with headroom (silk_sum_sqr_shift).
func sumSqrShift(x []int16) (energy, shift int32) {
	n := len(x)
	shft := 31 - clz32(int32(n))
	nrg := int32(n)
	i := 0
	for ; i < n-1; i += 2 {
		t := uint32(smulbb(int32(x[i]), int32(x[i]))) + uint32(smulbb(int32(x[i+1]), int32(x[i+1])))
		nrg = int32(uint32(nrg) + t>>uint(shft))
	}
	if i < n {
		t := uint32(smulbb(int32(x[i]), int32(x[i])))
		nrg = int32(uint32(nrg) + t>>uint(shft))
	}
	shft = max(0, shft+3-clz32(nrg))
	nrg = 0
	for i = 0; i < n-1; i += 2 {
		t := uint32(smulbb(int32(x[i]), int32(x[i]))) + uint32(smulbb(int32(x[i+1]), int32(x[i+1])))
		nrg = int32(uint32(nrg) + t>>uint(shft))
	}
	if i < n {
		t := uint32(smulbb(int32(x[i]), int32(x[i])))
		nrg = int32(uint32(nrg) + t>>uint(shft))
	}
	return nrg, shft
}

// plcConceal synthesizes a lost frame from the last good one
// (silk_PLC_conceal).
func (s *channelState) plcConceal(ctl *control, frame []int16) {
	p := &s.plc
	var sLTPQ14 [2*maxFrameLength + maxFrameLength]int32
	var sLTP [2 * maxFrameLength]int16
	var aQ12 [maxLPCOrder]int16
	var prevGainQ10 = [2]int32{p.prevGainQ16[0] >> 6, p.prevGainQ16[1] >> 6}

	if s.firstFrameAfterReset {
		p.prevLPCQ12 = [maxLPCOrder]int16{}
	}

	// Energies of the last two subframes' excitation.
	var excBuf [2 * maxSubFrameLength]int16
	sl := s.subfrLength
	for k := 0; k < 2; k++ {
		for i := 0; i < sl; i++ {
			idx := i + (k+s.nbSubfr-2)*sl
			var e int32
			if idx >= 0 && idx < len(s.excQ14) {
				e = s.excQ14[idx]
			}
			excBuf[k*sl+i] = int16(sat16(smulww(e, prevGainQ10[k]) >> 8))
		}
	}
	energy1, shift1 := sumSqrShift(excBuf[:sl])
	energy2, shift2 := sumSqrShift(excBuf[sl : 2*sl])
	var randOff int
	if energy1>>uint(shift2) < energy2>>uint(shift1) {
		randOff = max(0, (p.nbSubfr-1)*p.subfrLength-randBufSize)
	} else {
		randOff = max(0, p.nbSubfr*p.subfrLength-randBufSize)
	}
	randPtr := s.excQ14[randOff:]

	b := p.ltpCoefQ14[:]
	randScaleQ14 := p.randScaleQ14
	att := min(1, s.lossCnt)
	harmGainQ15 := harmAttQ15[att]
	var randGainQ15 int32
	if s.prevSignalType == typeVoiced {
		randGainQ15 = plcRandAttenuateVQ15[att]
	} else {
		randGainQ15 = plcRandAttenuateUVQ15[att]
	}

	bwexpander(p.prevLPCQ12[:s.lpcOrder], plcBWECoefQ16)
	copy(aQ12[:], p.prevLPCQ12[:s.lpcOrder])

	if s.lossCnt == 0 {
		randScaleQ14 = 1 << 14
		if s.prevSignalType == typeVoiced {
			for i := 0; i < ltpOrder; i++ {
				randScaleQ14 -= b[i]
			}
			randScaleQ14 = max(3277, randScaleQ14)
			randScaleQ14 = int16(smulbb(int32(randScaleQ14), int32(p.prevLTPScaleQ14)) >> 14)
		} else {
			invGainQ30 := lpcInversePredGain(p.prevLPCQ12[:s.lpcOrder])
			down := min(int32(1<<30)>>log2InvLPCGainHighThres, invGainQ30)
			down = max(int32(1<<30)>>log2InvLPCGainLowThres, down)
			down <<= log2InvLPCGainHighThres
			randGainQ15 = smulwb(down, randGainQ15) >> 14
		}
	}

	randSeed := p.randSeed
	lag := int(rshiftRound(p.pitchLQ8, 8))
	sLTPBufIdx := s.ltpMemLength

	// Re-whiten the LTP state.
	idx := s.ltpMemLength - lag - s.lpcOrder - ltpOrder/2
	idx = max(idx, 0) // only on corrupt state; C would read before the buffer
	lpcAnalysisFilter(sLTP[idx:s.ltpMemLength], s.outBuf[idx:], aQ12[:s.lpcOrder])
	invGainQ30 := inverse32VarQ(p.prevGainQ16[1], 46)
	invGainQ30 = min(invGainQ30, 0x7FFFFFFF>>1)
	for i := idx + s.lpcOrder; i < s.ltpMemLength; i++ {
		sLTPQ14[i] = smulwb(invGainQ30, int32(sLTP[i]))
	}

	// LTP synthesis.
	for k := 0; k < s.nbSubfr; k++ {
		pp := sLTPBufIdx - lag + ltpOrder/2
		for i := 0; i < s.subfrLength; i++ {
			pred := int32(2)
			pred = smlawb(pred, at(sLTPQ14[:], pp), int32(b[0]))
			pred = smlawb(pred, at(sLTPQ14[:], pp-1), int32(b[1]))
			pred = smlawb(pred, at(sLTPQ14[:], pp-2), int32(b[2]))
			pred = smlawb(pred, at(sLTPQ14[:], pp-3), int32(b[3]))
			pred = smlawb(pred, at(sLTPQ14[:], pp-4), int32(b[4]))
			pp++
			randSeed = random(randSeed)
			ri := int(randSeed>>25) & randBufMask
			sLTPQ14[sLTPBufIdx] = smlawb(pred, randPtr[ri], int32(randScaleQ14)) << 2
			sLTPBufIdx++
		}
		for j := 0; j < ltpOrder; j++ {
			b[j] = int16(smulbb(harmGainQ15, int32(b[j])) >> 15)
		}
		if s.indices.signalType != typeNoVoiceActivity {
			randScaleQ14 = int16(smulbb(int32(randScaleQ14), randGainQ15) >> 15)
		}
		p.pitchLQ8 = smlawb(p.pitchLQ8, p.pitchLQ8, pitchDriftFacQ16)
		p.pitchLQ8 = min(p.pitchLQ8, int32(maxPitchLagMs*s.fsKHz)<<8)
		lag = int(rshiftRound(p.pitchLQ8, 8))
	}

	// LPC synthesis.
	sLPC := sLTPQ14[s.ltpMemLength-maxLPCOrder:]
	copy(sLPC[:maxLPCOrder], s.sLPCQ14Buf[:])
	for i := 0; i < s.frameLength; i++ {
		pred := int32(s.lpcOrder >> 1)
		for j := 0; j < s.lpcOrder; j++ {
			pred = smlawb(pred, sLPC[maxLPCOrder+i-j-1], int32(aQ12[j]))
		}
		sLPC[maxLPCOrder+i] = addSat32(sLPC[maxLPCOrder+i], lshiftSat32(pred, 4))
		frame[i] = int16(sat16(rshiftRound(smulww(sLPC[maxLPCOrder+i], prevGainQ10[1]), 8)))
	}
	copy(s.sLPCQ14Buf[:], sLPC[s.frameLength:s.frameLength+maxLPCOrder])

	p.randSeed = randSeed
	p.randScaleQ14 = randScaleQ14
	for i := range ctl.pitchL {
		ctl.pitchL[i] = int32(lag)
	}
}

// at returns x[i], or 0 outside x (the C code reads uninitialized or
// out-of-range memory there, multiplied by zero coefficients).
func at(x []int32, i int) int32 {
	if i < 0 || i >= len(x) {
		return 0
	}
	return x[i]
}

// plcGlueFrames smooths the energy between concealed frames and the next
// good one (silk_PLC_glue_frames).
func (s *channelState) plcGlueFrames(frame []int16) {
	p := &s.plc
	if s.lossCnt != 0 {
		p.concEnergy, p.concEnergyShift = sumSqrShift(frame)
		p.lastFrameLost = true
		return
	}
	if p.lastFrameLost {
		energy, shift := sumSqrShift(frame)
		if shift > p.concEnergyShift {
			p.concEnergy >>= uint(shift - p.concEnergyShift)
		} else if shift < p.concEnergyShift {
			energy >>= uint(p.concEnergyShift - shift)
		}
		if energy > p.concEnergy {
			lz := clz32(p.concEnergy) - 1
			p.concEnergy <<= uint(lz)
			energy >>= uint(max(24-lz, 0))
			fracQ24 := p.concEnergy / max(energy, 1)
			gainQ16 := sqrtApprox(fracQ24) << 4
			slopeQ16 := ((int32(1) << 16) - gainQ16) / int32(len(frame))
			slopeQ16 <<= 2
			for i := range frame {
				frame[i] = int16(smulwb(gainQ16, int32(frame[i])))
				gainQ16 += slopeQ16
				if gainQ16 > 1<<16 {
					break
				}
			}
		}
	}
	p.lastFrameLost = false
}
