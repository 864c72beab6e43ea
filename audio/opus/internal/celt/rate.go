package celt

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// Bit allocation (RFC 6716 section 4.3.3; libopus celt/rate.c).

const allocSteps = 6

// getPulses maps a pseudo-pulse index to a number of pulses.
func getPulses(i int) int {
	if i < 8 {
		return i
	}
	return (8 + (i & 7)) << ((i >> 3) - 1)
}

// pulseCache returns the bit costs of band i at LM (which may be -1).
func pulseCache(band, lm int) []uint8 {
	return cacheBits[cacheIndex[(lm+1)*nbEBands+band]:]
}

// bits2pulses returns the number of pseudo-pulses whose cost is closest
// to bits.
func bits2pulses(band, lm, bits int) int {
	cache := pulseCache(band, lm)
	lo := 0
	hi := int(cache[0])
	bits--
	for i := 0; i < logMaxPseudo; i++ {
		mid := (lo + hi + 1) >> 1
		if int(cache[mid]) >= bits {
			hi = mid
		} else {
			lo = mid
		}
	}
	lob := -1
	if lo != 0 {
		lob = int(cache[lo])
	}
	if bits-lob <= int(cache[hi])-bits {
		return lo
	}
	return hi
}

// pulses2bits returns the cost of q pseudo-pulses in 1/8 bits.
func pulses2bits(band, lm, q int) int {
	if q == 0 {
		return 0
	}
	return int(pulseCache(band, lm)[q]) + 1
}

// initCaps computes the largest allocation of each band (init_caps).
func initCaps(caps *[nbEBands]int, lm, c int) {
	for i := 0; i < nbEBands; i++ {
		n := int(eBands[i+1]-eBands[i]) << lm
		caps[i] = (int(cacheCaps[nbEBands*(2*lm+c-1)+i]) + 64) * c * n >> 2
	}
}

// udiv is celt_udiv: unsigned 32-bit division, as the C code does it even
// for (never expected) negative numerators.
func udiv(n, d int) int { return int(int32(uint32(int32(n)) / uint32(d))) }

// allocation is the result of computeAllocation.
type allocation struct {
	codedBands   int
	intensity    int
	dualStereo   bool
	balance      int
	pulses       [nbEBands]int
	fineQuant    [nbEBands]int
	finePriority [nbEBands]int
}

// computeAllocation splits total (1/8 bits) between the bands, reading
// the skip, intensity and dual-stereo decisions (clt_compute_allocation
// and interp_bits2pulses, decoder side).
func computeAllocation(a *allocation, start, end int, offsets, caps *[nbEBands]int, allocTrim int, total, c, lm int, rd *rangecoding.Decoder) {
	total = max(total, 0)
	skipStart := start
	skipRsv := 0
	if total >= 1<<bitRes {
		skipRsv = 1 << bitRes
	}
	total -= skipRsv
	intensityRsv, dualStereoRsv := 0, 0
	if c == 2 {
		intensityRsv = int(log2FracTable[end-start])
		if intensityRsv > total {
			intensityRsv = 0
		} else {
			total -= intensityRsv
			if total >= 1<<bitRes {
				dualStereoRsv = 1 << bitRes
			}
			total -= dualStereoRsv
		}
	}
	var bits1, bits2, thresh, trimOffset [nbEBands]int
	for j := start; j < end; j++ {
		w := int(eBands[j+1] - eBands[j])
		thresh[j] = max(c<<bitRes, (3*w<<lm<<bitRes)>>4)
		trimOffset[j] = c * w * (allocTrim - 5 - lm) * (end - j - 1) * (1 << (lm + bitRes)) >> 6
		if w<<lm == 1 {
			trimOffset[j] -= c << bitRes
		}
	}
	lo, hi := 1, nbAllocVectors-1
	for lo <= hi {
		done := false
		psum := 0
		mid := (lo + hi) >> 1
		for j := end - 1; j >= start; j-- {
			w := int(eBands[j+1] - eBands[j])
			bitsj := c * w * int(bandAllocation[mid*nbEBands+j]) << lm >> 2
			if bitsj > 0 {
				bitsj = max(0, bitsj+trimOffset[j])
			}
			bitsj += offsets[j]
			if bitsj >= thresh[j] || done {
				done = true
				psum += min(bitsj, caps[j])
			} else if bitsj >= c<<bitRes {
				psum += c << bitRes
			}
		}
		if psum > total {
			hi = mid - 1
		} else {
			lo = mid + 1
		}
	}
	hi = lo
	lo--
	for j := start; j < end; j++ {
		w := int(eBands[j+1] - eBands[j])
		bits1j := c * w * int(bandAllocation[lo*nbEBands+j]) << lm >> 2
		var bits2j int
		if hi >= nbAllocVectors {
			bits2j = caps[j]
		} else {
			bits2j = c * w * int(bandAllocation[hi*nbEBands+j]) << lm >> 2
		}
		if bits1j > 0 {
			bits1j = max(0, bits1j+trimOffset[j])
		}
		if bits2j > 0 {
			bits2j = max(0, bits2j+trimOffset[j])
		}
		if lo > 0 {
			bits1j += offsets[j]
		}
		bits2j += offsets[j]
		if offsets[j] > 0 {
			skipStart = j
		}
		bits2j = max(0, bits2j-bits1j)
		bits1[j] = bits1j
		bits2[j] = bits2j
	}
	interpBits2Pulses(a, start, end, skipStart, &bits1, &bits2, &thresh, caps, total, skipRsv, intensityRsv, dualStereoRsv, c, lm, rd)
}

func interpBits2Pulses(a *allocation, start, end, skipStart int, bits1, bits2, thresh, caps *[nbEBands]int, total, skipRsv, intensityRsv, dualStereoRsv, c, lm int, rd *rangecoding.Decoder) {
	bits := &a.pulses
	ebits := &a.fineQuant
	finePriority := &a.finePriority
	allocFloor := c << bitRes
	stereo := 0
	if c > 1 {
		stereo = 1
	}
	logM := lm << bitRes
	lo, hi := 0, 1<<allocSteps
	for i := 0; i < allocSteps; i++ {
		mid := (lo + hi) >> 1
		psum := 0
		done := false
		for j := end - 1; j >= start; j-- {
			tmp := bits1[j] + (mid * bits2[j] >> allocSteps)
			if tmp >= thresh[j] || done {
				done = true
				psum += min(tmp, caps[j])
			} else if tmp >= allocFloor {
				psum += allocFloor
			}
		}
		if psum > total {
			hi = mid
		} else {
			lo = mid
		}
	}
	psum := 0
	done := false
	for j := end - 1; j >= start; j-- {
		tmp := bits1[j] + (lo * bits2[j] >> allocSteps)
		if tmp < thresh[j] && !done {
			if tmp >= allocFloor {
				tmp = allocFloor
			} else {
				tmp = 0
			}
		} else {
			done = true
		}
		tmp = min(tmp, caps[j])
		bits[j] = tmp
		psum += tmp
	}

	// Decide which bands to skip, from the end.
	codedBands := end
	for ; ; codedBands-- {
		j := codedBands - 1
		if j <= skipStart {
			total += skipRsv
			break
		}
		left := total - psum
		percoeff := udiv(left, int(eBands[codedBands]-eBands[start]))
		left -= int(eBands[codedBands]-eBands[start]) * percoeff
		rem := max(left-int(eBands[j]-eBands[start]), 0)
		bandWidth := int(eBands[codedBands] - eBands[j])
		bandBits := bits[j] + percoeff*bandWidth + rem
		if bandBits >= max(thresh[j], allocFloor+(1<<bitRes)) {
			if rd.BitLogp(1) {
				break
			}
			psum += 1 << bitRes
			bandBits -= 1 << bitRes
		}
		psum -= bits[j] + intensityRsv
		if intensityRsv > 0 {
			intensityRsv = int(log2FracTable[j-start])
		}
		psum += intensityRsv
		if bandBits >= allocFloor {
			psum += allocFloor
			bits[j] = allocFloor
		} else {
			bits[j] = 0
		}
	}

	if intensityRsv > 0 {
		a.intensity = start + int(rd.Uint(uint32(codedBands+1-start)))
	} else {
		a.intensity = 0
	}
	if a.intensity <= start {
		total += dualStereoRsv
		dualStereoRsv = 0
	}
	if dualStereoRsv > 0 {
		a.dualStereo = rd.BitLogp(1)
	} else {
		a.dualStereo = false
	}

	// Allocate the remaining bits.
	left := total - psum
	percoeff := udiv(left, int(eBands[codedBands]-eBands[start]))
	left -= int(eBands[codedBands]-eBands[start]) * percoeff
	for j := start; j < codedBands; j++ {
		bits[j] += percoeff * int(eBands[j+1]-eBands[j])
	}
	for j := start; j < codedBands; j++ {
		tmp := min(left, int(eBands[j+1]-eBands[j]))
		bits[j] += tmp
		left -= tmp
	}

	balance := 0
	var j int
	for j = start; j < codedBands; j++ {
		n0 := int(eBands[j+1] - eBands[j])
		n := n0 << lm
		bit := bits[j] + balance
		var excess int
		if n > 1 {
			excess = max(bit-caps[j], 0)
			bits[j] = bit - excess
			den := c * n
			if c == 2 && n > 2 && !a.dualStereo && j < a.intensity {
				den++
			}
			nclogn := den * (int(logN[j]) + logM)
			offset := (nclogn >> 1) - den*fineOffset
			if n == 2 {
				offset += den << bitRes >> 2
			}
			if bits[j]+offset < den*2<<bitRes {
				offset += nclogn >> 2
			} else if bits[j]+offset < den*3<<bitRes {
				offset += nclogn >> 3
			}
			ebits[j] = max(0, bits[j]+offset+(den<<(bitRes-1)))
			ebits[j] = udiv(ebits[j], den) >> bitRes
			if c*ebits[j] > bits[j]>>bitRes {
				ebits[j] = bits[j] >> stereo >> bitRes
			}
			ebits[j] = min(ebits[j], maxFineBits)
			if ebits[j]*(den<<bitRes) >= bits[j]+offset {
				finePriority[j] = 1
			} else {
				finePriority[j] = 0
			}
			bits[j] -= c * ebits[j] << bitRes
		} else {
			excess = max(0, bit-(c<<bitRes))
			bits[j] = bit - excess
			ebits[j] = 0
			finePriority[j] = 1
		}
		if excess > 0 {
			extraFine := min(excess>>(stereo+bitRes), maxFineBits-ebits[j])
			ebits[j] += extraFine
			extraBits := extraFine * c << bitRes
			if extraBits >= excess-balance {
				finePriority[j] = 1
			} else {
				finePriority[j] = 0
			}
			excess -= extraBits
		}
		balance = excess
	}
	a.balance = balance
	for ; j < end; j++ {
		ebits[j] = bits[j] >> stereo >> bitRes
		bits[j] = 0
		if ebits[j] < 1 {
			finePriority[j] = 1
		} else {
			finePriority[j] = 0
		}
	}
	a.codedBands = codedBands
}
