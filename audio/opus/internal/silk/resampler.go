package silk

// The resampler from SILK's internal rate to the output rate, as libopus
// does it (silk/resampler.c, resampler_private_IIR_FIR.c,
// resampler_private_up2_HQ.c). The decoder only ever upsamples: 2x with
// the all-pass up-sampler alone, other ratios with it followed by an
// 8-tap fractional FIR; equal rates are copied.

const (
	resamplerOrderFIR12   = 8
	resamplerMaxBatchMs   = 10
	resamplerMaxBatchSize = resamplerMaxBatchMs * maxFsKHz
)

// Coefficients of the two all-pass branches of the 2x up-sampler.
var (
	resamplerUp2HQ0 = [3]int32{1746, 14986, 39083 - 65536}
	resamplerUp2HQ1 = [3]int32{6854, 25769, 55542 - 65536}
)

// The decoder's delay compensation, by input rate (8, 12, 16 kHz) and
// output rate (8, 12, 16, 24, 48 kHz).
var resamplerDelayDec = [3][5]int8{
	{4, 0, 2, 0, 0},
	{0, 9, 4, 7, 4},
	{0, 3, 12, 7, 7},
}

type resamplerKind uint8

const (
	resampleCopy resamplerKind = iota
	resampleUp2
	resampleIIRFIR
)

// resampler is silk_resampler_state_struct for the decoder's up-sampling.
type resampler struct {
	sIIR        [6]int32
	sFIR        [resamplerOrderFIR12]int16
	delayBuf    [48]int16
	kind        resamplerKind
	batchSize   int
	invRatioQ16 int32
	fsInKHz     int
	fsOutKHz    int
	inputDelay  int
	buf         [2*resamplerMaxBatchSize + resamplerOrderFIR12]int16
}

// rateID maps 8, 12, 16, 24 and 48 kHz to 0..4.
func rateID(r int) int {
	switch r {
	case 8000:
		return 0
	case 12000:
		return 1
	case 16000:
		return 2
	case 24000:
		return 3
	}
	return 4
}

// init sets the resampler up for fsIn (8, 12 or 16 kHz) to fsOut (8, 12,
// 16, 24 or 48 kHz) (silk_resampler_init for the decoder).
func (r *resampler) init(fsIn, fsOut int) {
	*r = resampler{}
	r.inputDelay = int(resamplerDelayDec[rateID(fsIn)][rateID(fsOut)])
	r.fsInKHz = fsIn / 1000
	r.fsOutKHz = fsOut / 1000
	r.batchSize = r.fsInKHz * resamplerMaxBatchMs
	up2x := 0
	switch {
	case fsOut == 2*fsIn:
		r.kind = resampleUp2
	case fsOut > fsIn:
		r.kind = resampleIIRFIR
		up2x = 1
	default:
		// Down-sampling never happens in the decoder (the output is at
		// least the internal rate); treat it as a copy.
		r.kind = resampleCopy
	}
	r.invRatioQ16 = int32((fsIn<<(14+up2x))/fsOut) << 2
	for smulww(r.invRatioQ16, int32(fsOut)) < int32(fsIn<<up2x) {
		r.invRatioQ16++
	}
}

// resample converts len(in) input samples (at least 1 ms) into out
// (silk_resampler).
func (r *resampler) resample(out, in []int16) {
	nSamples := r.fsInKHz - r.inputDelay
	copy(r.delayBuf[r.inputDelay:r.fsInKHz], in[:nSamples])
	rest := in[nSamples : len(in)-r.inputDelay]
	switch r.kind {
	case resampleUp2:
		r.up2HQ(out, r.delayBuf[:r.fsInKHz])
		r.up2HQ(out[r.fsOutKHz:], rest)
	case resampleIIRFIR:
		r.iirFIR(out, r.delayBuf[:r.fsInKHz])
		r.iirFIR(out[r.fsOutKHz:], rest)
	default:
		copy(out, r.delayBuf[:r.fsInKHz])
		copy(out[r.fsOutKHz:], rest)
	}
	copy(r.delayBuf[:r.inputDelay], in[len(in)-r.inputDelay:])
}

// up2HQ up-samples in by 2 into out with the all-pass filters
// (silk_resampler_private_up2_HQ).
func (r *resampler) up2HQ(out, in []int16) {
	s := &r.sIIR
	for k, v := range in {
		in32 := int32(v) << 10

		y := in32 - s[0]
		x := smulwb(y, resamplerUp2HQ0[0])
		out1 := s[0] + x
		s[0] = in32 + x
		y = out1 - s[1]
		x = smulwb(y, resamplerUp2HQ0[1])
		out2 := s[1] + x
		s[1] = out1 + x
		y = out2 - s[2]
		x = smlawb(y, y, resamplerUp2HQ0[2])
		out1 = s[2] + x
		s[2] = out2 + x
		out[2*k] = int16(sat16(rshiftRound(out1, 10)))

		y = in32 - s[3]
		x = smulwb(y, resamplerUp2HQ1[0])
		out1 = s[3] + x
		s[3] = in32 + x
		y = out1 - s[4]
		x = smulwb(y, resamplerUp2HQ1[1])
		out2 = s[4] + x
		s[4] = out1 + x
		y = out2 - s[5]
		x = smlawb(y, y, resamplerUp2HQ1[2])
		out1 = s[5] + x
		s[5] = out2 + x
		out[2*k+1] = int16(sat16(rshiftRound(out1, 10)))
	}
}

// iirFIR up-samples by 2 and interpolates with the fractional FIR
// (silk_resampler_private_IIR_FIR); it returns the rest of out.
func (r *resampler) iirFIR(out, in []int16) []int16 {
	buf := r.buf[:]
	copy(buf, r.sFIR[:])
	inc := r.invRatioQ16
	var nIn int
	for {
		nIn = min(len(in), r.batchSize)
		r.up2HQ(buf[resamplerOrderFIR12:], in[:nIn])
		maxIndex := int32(nIn) << (16 + 1)
		out = firInterpolate(out, buf, maxIndex, inc)
		in = in[nIn:]
		if len(in) == 0 {
			break
		}
		copy(buf, buf[nIn<<1:nIn<<1+resamplerOrderFIR12])
	}
	copy(r.sFIR[:], buf[nIn<<1:nIn<<1+resamplerOrderFIR12])
	return out
}

// firInterpolate is silk_resampler_private_IIR_FIR_INTERPOL.
func firInterpolate(out, buf []int16, maxIndexQ16, incQ16 int32) []int16 {
	n := 0
	for idx := int32(0); idx < maxIndexQ16; idx += incQ16 {
		t := smulwb(idx&0xFFFF, 12)
		b := buf[idx>>16 : idx>>16+8]
		f := &resamplerFracFIR12[t]
		g := &resamplerFracFIR12[11-t]
		res := int32(b[0]) * int32(f[0])
		res += int32(b[1]) * int32(f[1])
		res += int32(b[2]) * int32(f[2])
		res += int32(b[3]) * int32(f[3])
		res += int32(b[4]) * int32(g[3])
		res += int32(b[5]) * int32(g[2])
		res += int32(b[6]) * int32(g[1])
		res += int32(b[7]) * int32(g[0])
		out[n] = int16(sat16(rshiftRound(res, 15)))
		n++
	}
	return out[n:]
}
