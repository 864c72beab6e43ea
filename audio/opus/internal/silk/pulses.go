package silk

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// decodePulses reads the excitation pulses of a frame of frameLength
// samples into pulses, which holds frameLength rounded up to 16
// (silk_decode_pulses).
func decodePulses(rd *rangecoding.Decoder, pulses []int16, signalType, quantOffsetType, frameLength int) {
	var sumPulses, nLshifts [maxNbShellBlocks]int
	rateLevel := rd.ICDF(rateLevelsICDF[signalType>>1][:], 8)
	iter := frameLength / shellFrameLength
	if iter*shellFrameLength < frameLength {
		iter++ // 10 ms at 12 kHz
	}
	cdf := pulsesPerBlockICDF[rateLevel][:]
	for i := 0; i < iter; i++ {
		nLshifts[i] = 0
		sumPulses[i] = rd.ICDF(cdf, 8)
		for sumPulses[i] == maxPulses+1 {
			nLshifts[i]++
			// After 10 LSBs, the table no longer allows the escape symbol.
			off := 0
			if nLshifts[i] == 10 {
				off = 1
			}
			sumPulses[i] = rd.ICDF(pulsesPerBlockICDF[nRateLevels-1][off:], 8)
		}
	}
	for i := 0; i < iter; i++ {
		p := pulses[i*shellFrameLength : (i+1)*shellFrameLength]
		if sumPulses[i] > 0 {
			shellDecoder(p, rd, sumPulses[i])
		} else {
			clear(p)
		}
	}
	for i := 0; i < iter; i++ {
		if nLshifts[i] > 0 {
			nLS := nLshifts[i]
			p := pulses[i*shellFrameLength : (i+1)*shellFrameLength]
			for k := range p {
				absQ := int32(p[k])
				for j := 0; j < nLS; j++ {
					absQ = absQ<<1 + int32(rd.ICDF(lsbICDF[:], 8))
				}
				p[k] = int16(absQ)
			}
			sumPulses[i] |= nLS << 5
		}
	}
	decodeSigns(rd, pulses, frameLength, signalType, quantOffsetType, &sumPulses)
}

// decodeSplit splits p pulses between two halves.
func decodeSplit(rd *rangecoding.Decoder, p int, table []uint8) (int16, int16) {
	if p <= 0 {
		return 0, 0
	}
	c1 := rd.ICDF(table[shellCodeTableOffsets[p]:], 8)
	return int16(c1), int16(p - c1)
}

// shellDecoder distributes pulses4 pulses over 16 samples
// (silk_shell_decoder).
func shellDecoder(p0 []int16, rd *rangecoding.Decoder, pulses4 int) {
	var p3 [2]int16
	var p2 [4]int16
	var p1 [8]int16
	p3[0], p3[1] = decodeSplit(rd, pulses4, shellCodeTable3[:])
	p2[0], p2[1] = decodeSplit(rd, int(p3[0]), shellCodeTable2[:])
	p1[0], p1[1] = decodeSplit(rd, int(p2[0]), shellCodeTable1[:])
	p0[0], p0[1] = decodeSplit(rd, int(p1[0]), shellCodeTable0[:])
	p0[2], p0[3] = decodeSplit(rd, int(p1[1]), shellCodeTable0[:])
	p1[2], p1[3] = decodeSplit(rd, int(p2[1]), shellCodeTable1[:])
	p0[4], p0[5] = decodeSplit(rd, int(p1[2]), shellCodeTable0[:])
	p0[6], p0[7] = decodeSplit(rd, int(p1[3]), shellCodeTable0[:])
	p2[2], p2[3] = decodeSplit(rd, int(p3[1]), shellCodeTable2[:])
	p1[4], p1[5] = decodeSplit(rd, int(p2[2]), shellCodeTable1[:])
	p0[8], p0[9] = decodeSplit(rd, int(p1[4]), shellCodeTable0[:])
	p0[10], p0[11] = decodeSplit(rd, int(p1[5]), shellCodeTable0[:])
	p1[6], p1[7] = decodeSplit(rd, int(p2[3]), shellCodeTable1[:])
	p0[12], p0[13] = decodeSplit(rd, int(p1[6]), shellCodeTable0[:])
	p0[14], p0[15] = decodeSplit(rd, int(p1[7]), shellCodeTable0[:])
}

// decodeSigns attaches signs to the nonzero pulses (silk_decode_signs).
func decodeSigns(rd *rangecoding.Decoder, pulses []int16, length, signalType, quantOffsetType int, sumPulses *[maxNbShellBlocks]int) {
	var icdf [2]uint8
	base := signICDF[7*(quantOffsetType+signalType<<1):]
	length = (length + shellFrameLength/2) >> 4
	for i := 0; i < length; i++ {
		p := sumPulses[i]
		if p > 0 {
			icdf[0] = base[min(p&0x1F, 6)]
			q := pulses[i*shellFrameLength : (i+1)*shellFrameLength]
			for j := range q {
				if q[j] > 0 {
					q[j] *= int16(rd.ICDF(icdf[:], 8)<<1 - 1)
				}
			}
		}
	}
}
