package silk

// Comfort noise generation during lost frames (silk/CNG.c).

// cngReset is silk_CNG_Reset.
func (s *channelState) cngReset() {
	step := int32(32767) / int32(s.lpcOrder+1)
	var acc int32
	for i := 0; i < s.lpcOrder; i++ {
		acc += step
		s.cng.smthNLSFQ15[i] = int16(acc)
	}
	s.cng.smthGainQ16 = 0
	s.cng.randSeed = 3176576
}

// runCNG updates the comfort-noise estimate after a good frame and adds
// comfort noise to a concealed one (silk_CNG).
func (s *channelState) runCNG(ctl *control, frame []int16) {
	c := &s.cng
	if s.fsKHz != c.fsKHz {
		s.cngReset()
		c.fsKHz = s.fsKHz
	}
	if s.lossCnt == 0 && s.prevSignalType == typeNoVoiceActivity {
		for i := 0; i < s.lpcOrder; i++ {
			c.smthNLSFQ15[i] += int16(smulwb(int32(s.prevNLSFQ15[i])-int32(c.smthNLSFQ15[i]), cngNLSFSmthQ16))
		}
		var maxGain int32
		subfr := 0
		for i := 0; i < s.nbSubfr; i++ {
			if ctl.gainsQ16[i] > maxGain {
				maxGain = ctl.gainsQ16[i]
				subfr = i
			}
		}
		sl := s.subfrLength
		copy(c.excBufQ14[sl:], c.excBufQ14[:(s.nbSubfr-1)*sl])
		copy(c.excBufQ14[:sl], s.excQ14[subfr*sl:(subfr+1)*sl])
		for i := 0; i < s.nbSubfr; i++ {
			c.smthGainQ16 += smulwb(ctl.gainsQ16[i]-c.smthGainQ16, cngGainSmthQ16)
		}
	}

	if s.lossCnt == 0 {
		clear(c.synthState[:s.lpcOrder])
		return
	}
	var sig [maxFrameLength + maxLPCOrder]int32
	var aQ12 [maxLPCOrder]int16
	length := len(frame)

	gainQ16 := smulww(int32(s.plc.randScaleQ14), s.plc.prevGainQ16[1])
	if gainQ16 >= 1<<21 || c.smthGainQ16 > 1<<23 {
		gainQ16 = smultt(gainQ16, gainQ16)
		gainQ16 = smultt(c.smthGainQ16, c.smthGainQ16) - gainQ16<<5
		gainQ16 = sqrtApprox(gainQ16) << 16
	} else {
		gainQ16 = smulww(gainQ16, gainQ16)
		gainQ16 = smulww(c.smthGainQ16, c.smthGainQ16) - gainQ16<<5
		gainQ16 = sqrtApprox(gainQ16) << 8
	}
	gainQ10 := gainQ16 >> 6

	// Excitation from the buffer at random positions.
	mask := int32(cngBufMaskMax)
	for mask > int32(length) {
		mask >>= 1
	}
	seed := c.randSeed
	for i := 0; i < length; i++ {
		seed = random(seed)
		sig[maxLPCOrder+i] = c.excBufQ14[(seed>>24)&mask]
	}
	c.randSeed = seed

	nlsf2a(aQ12[:], c.smthNLSFQ15[:s.lpcOrder], s.lpcOrder)
	copy(sig[:maxLPCOrder], c.synthState[:])
	for i := 0; i < length; i++ {
		pred := int32(s.lpcOrder >> 1)
		for j := 0; j < s.lpcOrder; j++ {
			pred = smlawb(pred, sig[maxLPCOrder+i-j-1], int32(aQ12[j]))
		}
		sig[maxLPCOrder+i] = addSat32(sig[maxLPCOrder+i], lshiftSat32(pred, 4))
		frame[i] = int16(sat16(int32(frame[i]) + sat16(rshiftRound(smulww(sig[maxLPCOrder+i], gainQ10), 8))))
	}
	copy(c.synthState[:], sig[length:length+maxLPCOrder])
}
