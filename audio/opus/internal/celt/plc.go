package celt

import "math"

// Packet-loss concealment of CELT (libopus celt/celt_decoder.c
// celt_decode_lost, with celt/pitch.c and celt/celt_lpc.c, float build).

const (
	plcPitchLagMax = 720
	plcPitchLagMin = 100
)

// plcScratch holds the concealment's work buffers.
type plcScratch struct {
	x      [2 * 960]float32
	lpBuf  [decodeBufSize >> 1]float32
	exc    [maxPeriod + lpcOrder]float32
	firTmp [maxPeriod]float32
	etmp   [overlap]float32
	iirY   [960 + overlap + lpcOrder]float32
	xcorr  [plcPitchLagMax >> 1]float32
	xlp4   [(decodeBufSize - plcPitchLagMax) >> 2]float32
	ylp4   [decodeBufSize >> 2]float32
	xx     [maxPeriod]float32
}

// decodeLost conceals a lost frame of n samples (celt_decode_lost).
func (d *Decoder) decodeLost(n, lm int) {
	cc := d.channels
	start := d.start
	noiseBased := d.lossCount >= 5 || start != 0 || d.skipPLC
	if noiseBased {
		end := d.end
		effEnd := max(start, min(end, effEBands))
		decay := float32(1.5)
		if d.lossCount != 0 {
			decay = 0.5
		}
		for c := 0; c < cc; c++ {
			for i := start; i < end; i++ {
				k := c*nbEBands + i
				d.oldBandE[k] = max(d.backgroundLogE[k], d.oldBandE[k]-decay)
			}
		}
		x := d.plc.x[:cc*n]
		seed := d.rng
		for c := 0; c < cc; c++ {
			for i := start; i < effEnd; i++ {
				boffs := n*c + int(eBands[i])<<uint(lm)
				blen := int(eBands[i+1]-eBands[i]) << uint(lm)
				for j := 0; j < blen; j++ {
					seed = lcgRand(seed)
					x[boffs+j] = float32(int32(seed) >> 20)
				}
				renormaliseVector(x[boffs:boffs+blen], 1)
			}
		}
		d.rng = seed
		for c := 0; c < cc; c++ {
			copy(d.decodeMem[c][:decodeBufSize-n+overlap/2], d.decodeMem[c][n:decodeBufSize+overlap/2])
		}
		d.synthesis(x, start, effEnd, cc, cc, false, lm, false)
	} else {
		fade := float32(1)
		var pitchIndex int
		if d.lossCount == 0 {
			pitchIndex = d.plcPitchSearch(cc)
			d.lastPitchIndex = pitchIndex
		} else {
			pitchIndex = d.lastPitchIndex
			fade = 0.8
		}
		excLength := min(2*pitchIndex, maxPeriod)
		exc := d.plc.exc[lpcOrder:]
		excFull := d.plc.exc[:]
		for c := 0; c < cc; c++ {
			buf := d.decodeMem[c][:]
			for i := 0; i < maxPeriod+lpcOrder; i++ {
				excFull[i] = buf[decodeBufSize-maxPeriod-lpcOrder+i]
			}
			if d.lossCount == 0 {
				var ac [lpcOrder + 1]float32
				d.autocorr(exc[:maxPeriod], ac[:], window[:], lpcOrder)
				ac[0] *= 1.0001
				lagWin := float32(0.008)
				lagWin *= lagWin
				for i := 1; i <= lpcOrder; i++ {
					ac[i] -= float32(float32(float32(ac[i]*lagWin)*float32(i)) * float32(i))
				}
				celtLPC(d.lpc[c][:], ac[:])
			}
			// Excitation for excLength samples before the loss.
			fir := d.plc.firTmp[:excLength]
			celtFIR(excFull, lpcOrder+maxPeriod-excLength, d.lpc[c][:], fir)
			copy(exc[maxPeriod-excLength:maxPeriod], fir)

			// Is the waveform decaying, and how fast?
			var decay float32
			{
				e1, e2 := float32(1), float32(1)
				decayLength := excLength >> 1
				for i := 0; i < decayLength; i++ {
					e := exc[maxPeriod-decayLength+i]
					e1 += float32(e * e)
					e = exc[maxPeriod-2*decayLength+i]
					e2 += float32(e * e)
				}
				e1 = min(e1, e2)
				decay = float32(math.Sqrt(float64(e1 / e2))) // SHR32 is a no-op in float
			}

			copy(buf[:decodeBufSize-n], buf[n:decodeBufSize])

			extrapolationOffset := maxPeriod - pitchIndex
			extrapolationLen := n + overlap
			attenuation := fade * decay
			var s1 float32
			for i, j := 0, 0; i < extrapolationLen; i, j = i+1, j+1 {
				if j >= pitchIndex {
					j -= pitchIndex
					attenuation *= decay
				}
				buf[decodeBufSize-n+i] = attenuation * exc[extrapolationOffset+j]
				tmp := buf[decodeBufSize-maxPeriod-n+extrapolationOffset+j]
				s1 += float32(tmp * tmp)
			}
			{
				var lpcMem [lpcOrder]float32
				for i := 0; i < lpcOrder; i++ {
					lpcMem[i] = buf[decodeBufSize-n-1-i]
				}
				d.celtIIR(buf[decodeBufSize-n:decodeBufSize-n+extrapolationLen], d.lpc[c][:], &lpcMem)
			}
			{
				var s2 float32
				for i := 0; i < extrapolationLen; i++ {
					tmp := buf[decodeBufSize-n+i]
					s2 += float32(tmp * tmp)
				}
				if !(s1 > float32(0.2*s2)) {
					clear(buf[decodeBufSize-n : decodeBufSize-n+extrapolationLen])
				} else if s1 < s2 {
					ratio := float32(math.Sqrt(float64((s1 + 1) / (s2 + 1)))) // SHR32 is a no-op in float
					for i := 0; i < overlap; i++ {
						tmpG := 1 - float32(window[i]*(1-ratio))
						buf[decodeBufSize-n+i] = tmpG * buf[decodeBufSize-n+i]
					}
					for i := overlap; i < extrapolationLen; i++ {
						buf[decodeBufSize-n+i] = ratio * buf[decodeBufSize-n+i]
					}
				}
			}
			// Apply the pre-filter to the overlap, since the post-filter
			// will be applied again after the next frame's MDCT.
			etmp := d.plc.etmp[:]
			combFilterTo(etmp, buf, decodeBufSize, d.postfilterPeriod, d.postfilterPeriod, overlap,
				-d.postfilterGain, -d.postfilterGain, d.postfilterTapset, d.postfilterTapset)
			// Simulate TDAC so the concealed audio blends with the next MDCT.
			for i := 0; i < overlap/2; i++ {
				buf[decodeBufSize+i] = float32(window[i]*etmp[overlap-1-i]) + float32(window[overlap-i-1]*etmp[i])
			}
		}
	}
	d.lossCount++
}

// combFilterTo is comb_filter with y separate from x: y = x[off:off+n]
// filtered with a constant filter (the cross-fade has no effect when the
// old and new filters are the same).
func combFilterTo(y []float32, x []float32, off, t0, t1, n int, g0, g1 float32, tapset0, tapset1 int) {
	if g0 == 0 && g1 == 0 {
		copy(y[:n], x[off:off+n])
		return
	}
	t1 = max(t1, combFilterMinPeriod)
	combFilterConst(y, x, off, t1, n, g1*combGains[tapset1][0], g1*combGains[tapset1][1], g1*combGains[tapset1][2])
}

// plcPitchSearch finds the pitch period of the decoded history
// (celt_plc_pitch_search).
func (d *Decoder) plcPitchSearch(c int) int {
	lp := d.plc.lpBuf[:]
	pitchDownsample(&d.decodeMem, lp, decodeBufSize, c)
	pitch := d.pitchSearch(lp[plcPitchLagMax>>1:], lp, decodeBufSize-plcPitchLagMax, plcPitchLagMax-plcPitchLagMin)
	return plcPitchLagMax - pitch
}

// pitchDownsample low-passes and decimates the history by 2, whitened
// (pitch_downsample).
func pitchDownsample(x *[2][decodeBufSize + overlap]float32, xlp []float32, length, c int) {
	half := length >> 1
	for i := 1; i < half; i++ {
		xlp[i] = float32(0.5 * (float32(0.5*(x[0][2*i-1]+x[0][2*i+1])) + x[0][2*i]))
	}
	xlp[0] = float32(0.5 * (float32(0.5*x[0][1]) + x[0][0]))
	if c == 2 {
		for i := 1; i < half; i++ {
			xlp[i] += float32(0.5 * (float32(0.5*(x[1][2*i-1]+x[1][2*i+1])) + x[1][2*i]))
		}
		xlp[0] += float32(0.5 * (float32(0.5*x[1][1]) + x[1][0]))
	}
	var ac [5]float32
	autocorrPlain(xlp[:half], ac[:], 4)
	ac[0] *= 1.0001
	for i := 1; i <= 4; i++ {
		ac[i] -= float32(float32(ac[i]*float32(0.008*float32(i))) * float32(0.008*float32(i)))
	}
	var lpc [4]float32
	celtLPC(lpc[:], ac[:])
	tmp := float32(1)
	for i := 0; i < 4; i++ {
		tmp = 0.9 * tmp
		lpc[i] = lpc[i] * tmp
	}
	const c1 = float32(0.8)
	lpc2 := [5]float32{lpc[0] + 0.8, lpc[1] + float32(c1*lpc[0]), lpc[2] + float32(c1*lpc[1]), lpc[3] + float32(c1*lpc[2]), c1 * lpc[3]}
	// celt_fir5, in place.
	var mem0, mem1, mem2, mem3, mem4 float32
	for i := 0; i < half; i++ {
		sum := xlp[i]
		sum += float32(lpc2[0] * mem0)
		sum += float32(lpc2[1] * mem1)
		sum += float32(lpc2[2] * mem2)
		sum += float32(lpc2[3] * mem3)
		sum += float32(lpc2[4] * mem4)
		mem4 = mem3
		mem3 = mem2
		mem2 = mem1
		mem1 = mem0
		mem0 = xlp[i]
		xlp[i] = sum
	}
}

// pitchXcorr is celt_pitch_xcorr: xcorr[i] = <x, y[i:]> over length.
func pitchXcorr(x, y []float32, xcorr []float32, length, maxPitch int) {
	i := 0
	for ; i < maxPitch-3; i += 4 {
		var sum [4]float32
		xcorrKernel(x, y[i:], &sum, length)
		xcorr[i], xcorr[i+1], xcorr[i+2], xcorr[i+3] = sum[0], sum[1], sum[2], sum[3]
	}
	for ; i < maxPitch; i++ {
		xcorr[i] = innerProd(x[:length], y[i:i+length])
	}
}

// findBestPitch returns the two best normalized correlations' lags
// (find_best_pitch).
func findBestPitch(xcorr []float32, y []float32, length, maxPitch int) [2]int {
	syy := float32(1)
	bestNum := [2]float32{-1, -1}
	var bestDen [2]float32
	best := [2]int{0, 1}
	for j := 0; j < length; j++ {
		syy += float32(y[j] * y[j])
	}
	for i := 0; i < maxPitch; i++ {
		if xcorr[i] > 0 {
			x16 := xcorr[i] * 1e-12
			num := x16 * x16
			if float32(num*bestDen[1]) > float32(bestNum[1]*syy) {
				if float32(num*bestDen[0]) > float32(bestNum[0]*syy) {
					bestNum[1], bestDen[1], best[1] = bestNum[0], bestDen[0], best[0]
					bestNum[0], bestDen[0], best[0] = num, syy, i
				} else {
					bestNum[1], bestDen[1], best[1] = num, syy, i
				}
			}
		}
		syy += float32(y[i+length]*y[i+length]) - float32(y[i]*y[i])
		syy = max(1, syy)
	}
	return best
}

// pitchSearch is pitch_search: the best lag of y against xlp, searched
// at 1/4 then 1/2 resolution.
func (d *Decoder) pitchSearch(xlp, y []float32, length, maxPitch int) int {
	lag := length + maxPitch
	xlp4 := d.plc.xlp4[:length>>2]
	ylp4 := d.plc.ylp4[:lag>>2]
	for j := range xlp4 {
		xlp4[j] = xlp[2*j]
	}
	for j := range ylp4 {
		ylp4[j] = y[2*j]
	}
	xcorr := d.plc.xcorr[:maxPitch>>1]
	pitchXcorr(xlp4, ylp4, xcorr, length>>2, maxPitch>>2)
	best := findBestPitch(xcorr, ylp4, length>>2, maxPitch>>2)

	for i := 0; i < maxPitch>>1; i++ {
		xcorr[i] = 0
		if absInt(i-2*best[0]) > 2 && absInt(i-2*best[1]) > 2 {
			continue
		}
		sum := innerProd(xlp[:length>>1], y[i:i+length>>1])
		xcorr[i] = max(-1, sum)
	}
	best = findBestPitch(xcorr, y, length>>1, maxPitch>>1)

	offset := 0
	if best[0] > 0 && best[0] < (maxPitch>>1)-1 {
		a := xcorr[best[0]-1]
		b := xcorr[best[0]]
		c := xcorr[best[0]+1]
		if c-a > float32(0.7*(b-a)) {
			offset = 1
		} else if a-c > float32(0.7*(b-c)) {
			offset = -1
		}
	}
	return 2*best[0] - offset
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// autocorr computes lag+1 autocorrelations of x, windowed over the
// overlap at both ends (_celt_autocorr with a window).
func (d *Decoder) autocorr(x []float32, ac []float32, win []float32, lag int) {
	n := len(x)
	xx := d.plc.xx[:n]
	copy(xx, x)
	for i := 0; i < overlap; i++ {
		xx[i] = x[i] * win[i]
		xx[n-i-1] = x[n-i-1] * win[i]
	}
	autocorrPlain(xx, ac, lag)
}

// autocorrPlain is _celt_autocorr without a window.
func autocorrPlain(x []float32, ac []float32, lag int) {
	n := len(x)
	fastN := n - lag
	pitchXcorr(x, x, ac, fastN, lag+1)
	for k := 0; k <= lag; k++ {
		var dd float32
		for i := k + fastN; i < n; i++ {
			dd += float32(x[i] * x[i-k])
		}
		ac[k] += dd
	}
}

// celtLPC computes LPC coefficients from autocorrelations by
// Levinson-Durbin (_celt_lpc); len(lpc) is the order.
func celtLPC(lpc []float32, ac []float32) {
	p := len(lpc)
	clear(lpc)
	errv := ac[0]
	if ac[0] == 0 {
		return
	}
	for i := 0; i < p; i++ {
		var rr float32
		for j := 0; j < i; j++ {
			rr += float32(lpc[j] * ac[i-j])
		}
		rr += ac[i+1]
		r := -(rr / errv)
		lpc[i] = r
		for j := 0; j < (i+1)>>1; j++ {
			tmp1 := lpc[j]
			tmp2 := lpc[i-1-j]
			lpc[j] = tmp1 + float32(r*tmp2)
			lpc[i-1-j] = tmp2 + float32(r*tmp1)
		}
		errv = errv - float32(float32(r*r)*errv)
		if errv < float32(0.001*ac[0]) {
			break
		}
	}
}

// celtFIR filters x[off-ord:off+len(y)] into y (celt_fir_c).
func celtFIR(x []float32, off int, num []float32, y []float32) {
	ord := len(num)
	var rnum [lpcOrder]float32
	for i := 0; i < ord; i++ {
		rnum[i] = num[ord-i-1]
	}
	n := len(y)
	i := 0
	for ; i < n-3; i += 4 {
		sum := [4]float32{x[off+i], x[off+i+1], x[off+i+2], x[off+i+3]}
		xcorrKernel(rnum[:ord], x[off+i-ord:], &sum, ord)
		y[i], y[i+1], y[i+2], y[i+3] = sum[0], sum[1], sum[2], sum[3]
	}
	for ; i < n; i++ {
		sum := x[off+i]
		base := off + i - ord
		for j := 0; j < ord; j++ {
			sum += float32(rnum[j] * x[base+j])
		}
		y[i] = sum
	}
}

// celtIIR runs the all-pole filter den over x in place with memory mem
// (celt_iir, the unrolled variant libopus builds by default).
func (d *Decoder) celtIIR(x []float32, den []float32, mem *[lpcOrder]float32) {
	ord := len(den)
	n := len(x)
	var rden [lpcOrder]float32
	for i := 0; i < ord; i++ {
		rden[i] = den[ord-i-1]
	}
	y := d.plc.iirY[:n+ord]
	for i := 0; i < ord; i++ {
		y[i] = -mem[ord-i-1]
	}
	clear(y[ord:])
	i := 0
	for ; i < n-3; i += 4 {
		sum := [4]float32{x[i], x[i+1], x[i+2], x[i+3]}
		xcorrKernel(rden[:ord], y[i:], &sum, ord)
		s0, s1, s2, s3 := sum[0], sum[1], sum[2], sum[3]
		y[i+ord] = -s0
		x[i] = s0
		s1 += float32(y[i+ord] * den[0])
		y[i+ord+1] = -s1
		x[i+1] = s1
		s2 += float32(y[i+ord+1] * den[0])
		s2 += float32(y[i+ord] * den[1])
		y[i+ord+2] = -s2
		x[i+2] = s2
		s3 += float32(y[i+ord+2] * den[0])
		s3 += float32(y[i+ord+1] * den[1])
		s3 += float32(y[i+ord] * den[2])
		y[i+ord+3] = -s3
		x[i+3] = s3
	}
	for ; i < n; i++ {
		sum := x[i]
		for j := 0; j < ord; j++ {
			sum -= float32(rden[j] * y[i+j])
		}
		y[i+ord] = sum
		x[i] = sum
	}
	for i := 0; i < ord; i++ {
		mem[i] = x[n-i-1]
	}
}
