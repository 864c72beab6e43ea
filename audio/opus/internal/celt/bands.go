package celt

import (
	"math"
	"math/bits"

	"github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"
)

// Decoding of the normalized band shapes: the recursive band splitting,
// stereo and time-frequency processing and folding of RFC 6716 section
// 4.3.4 (libopus celt/bands.c, decoder side, float build).

// lcgRand is celt_lcg_rand.
func lcgRand(seed uint32) uint32 { return 1664525*seed + 1013904223 }

// fracMul16 is FRAC_MUL16.
func fracMul16(a, b int32) int32 { return (16384 + int32(int16(a))*int32(int16(b))) >> 15 }

// bitexactCos is a cos approximation exact on every platform.
func bitexactCos(x int16) int16 {
	tmp := (4096 + int32(x)*int32(x)) >> 13
	x2 := int16(tmp)
	x2 = int16((32767 - int32(x2)) + fracMul16(int32(x2), -7651+fracMul16(int32(x2), 8277+fracMul16(-626, int32(x2)))))
	return 1 + x2
}

// bitexactLog2tan returns log2(isin/icos) in Q11, exactly.
func bitexactLog2tan(isin, icos int32) int32 {
	lc := int32(bits.Len32(uint32(icos)))
	ls := int32(bits.Len32(uint32(isin)))
	icos <<= uint(15 - lc)
	isin <<= uint(15 - ls)
	return (ls-lc)*(1<<11) + fracMul16(isin, fracMul16(isin, -2597)+7932) - fracMul16(icos, fracMul16(icos, -2597)+7932)
}

// isqrt32 is the integer square root (floor).
func isqrt32(val uint32) uint32 {
	var g uint32
	bshift := (bits.Len32(val) - 1) >> 1
	b := uint32(1) << uint(bshift)
	for {
		t := (g<<1 + b) << uint(bshift)
		if t <= val {
			g += b
			val -= t
		}
		b >>= 1
		bshift--
		if bshift < 0 {
			break
		}
	}
	return g
}

var exp2Table8 = [8]int{16384, 17866, 19483, 21247, 23170, 25267, 27554, 30048}

// computeQN is the number of quantization steps of the split angle.
func computeQN(n, b, offset, pulseCap int, stereo bool) int {
	n2 := 2*n - 1
	if stereo && n == 2 {
		n2--
	}
	qb := sdiv(b+n2*offset, n2)
	qb = min(b-pulseCap-(4<<bitRes), qb)
	qb = min(8<<bitRes, qb)
	if qb < (1 << bitRes >> 1) {
		return 1
	}
	qn := exp2Table8[qb&0x7] >> uint(14-(qb>>bitRes))
	return (qn + 1) >> 1 << 1
}

// sdiv is C's truncating division.
func sdiv(n, d int) int { return n / d }

// orderyTable converts natural Hadamard order to sequency order, for
// N = 2, 4, 8, 16.
var orderyTable = [...]int{
	1, 0,
	3, 0, 2, 1,
	7, 0, 4, 3, 6, 1, 5, 2,
	15, 0, 8, 7, 12, 3, 11, 4, 14, 1, 9, 6, 13, 2, 10, 5,
}

var (
	bitInterleaveTable   = [16]uint8{0, 1, 1, 1, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3}
	bitDeinterleaveTable = [16]uint8{0x00, 0x03, 0x0C, 0x0F, 0x30, 0x33, 0x3C, 0x3F, 0xC0, 0xC3, 0xCC, 0xCF, 0xF0, 0xF3, 0xFC, 0xFF}
)

// bandCtx is band_ctx: the state shared by the band decoding functions.
type bandCtx struct {
	rd              *rangecoding.Decoder
	band            int
	intensity       int
	spread          int
	tfChange        int
	remainingBits   int
	seed            uint32
	disableInv      bool
	avoidSplitNoise bool
	iy              [176]int
	tmp             [176]float32
}

func (ctx *bandCtx) deinterleaveHadamard(x []float32, n0, stride int, hadamard bool) {
	n := n0 * stride
	tmp := ctx.tmp[:n]
	if hadamard {
		ordery := orderyTable[stride-2:]
		for i := 0; i < stride; i++ {
			for j := 0; j < n0; j++ {
				tmp[ordery[i]*n0+j] = x[j*stride+i]
			}
		}
	} else {
		for i := 0; i < stride; i++ {
			for j := 0; j < n0; j++ {
				tmp[i*n0+j] = x[j*stride+i]
			}
		}
	}
	copy(x[:n], tmp)
}

func (ctx *bandCtx) interleaveHadamard(x []float32, n0, stride int, hadamard bool) {
	n := n0 * stride
	tmp := ctx.tmp[:n]
	if hadamard {
		ordery := orderyTable[stride-2:]
		for i := 0; i < stride; i++ {
			for j := 0; j < n0; j++ {
				tmp[j*stride+i] = x[ordery[i]*n0+j]
			}
		}
	} else {
		for i := 0; i < stride; i++ {
			for j := 0; j < n0; j++ {
				tmp[j*stride+i] = x[i*n0+j]
			}
		}
	}
	copy(x[:n], tmp)
}

// haar1 is one level of the Haar transform over stride interleaved
// vectors of n0 samples.
func haar1(x []float32, n0, stride int) {
	n0 >>= 1
	const s = float32(.70710678)
	for i := 0; i < stride; i++ {
		for j := 0; j < n0; j++ {
			tmp1 := float32(s * x[stride*2*j+i])
			tmp2 := float32(s * x[stride*(2*j+1)+i])
			x[stride*2*j+i] = tmp1 + tmp2
			x[stride*(2*j+1)+i] = tmp1 - tmp2
		}
	}
}

// splitCtx is split_ctx.
type splitCtx struct {
	inv    bool
	imid   int
	iside  int
	delta  int
	itheta int
	qalloc int
}

// computeTheta decodes the split angle of a band (compute_theta,
// decoder side).
func (ctx *bandCtx) computeTheta(sctx *splitCtx, n int, b *int, bb, b0, lm int, stereo bool, fill *int) {
	rd := ctx.rd
	i := ctx.band
	pulseCap := int(logN[i]) + lm*(1<<bitRes)
	off := qthetaOffset
	if stereo && n == 2 {
		off = qthetaOffsetTwoPhase
	}
	offset := (pulseCap >> 1) - off
	qn := computeQN(n, *b, offset, pulseCap, stereo)
	if stereo && i >= ctx.intensity {
		qn = 1
	}
	itheta := 0
	inv := false
	tell := rd.TellFrac()
	if qn != 1 {
		switch {
		case stereo && n > 2:
			// Step pdf: probability p0 up to itheta = 8192, then 1.
			const p0 = 3
			x0 := qn / 2
			ft := p0*(x0+1) + x0
			fs := int(rd.Decode(uint32(ft)))
			var x int
			if fs < (x0+1)*p0 {
				x = fs / p0
			} else {
				x = x0 + 1 + (fs - (x0+1)*p0)
			}
			var fl, fh int
			if x <= x0 {
				fl, fh = p0*x, p0*(x+1)
			} else {
				fl, fh = (x-1-x0)+(x0+1)*p0, (x-x0)+(x0+1)*p0
			}
			rd.Update(uint32(fl), uint32(fh), uint32(ft))
			itheta = x
		case b0 > 1 || stereo:
			itheta = int(rd.Uint(uint32(qn + 1)))
		default:
			// Triangular pdf.
			ft := ((qn >> 1) + 1) * ((qn >> 1) + 1)
			fm := int(rd.Decode(uint32(ft)))
			var fl, fs int
			if fm < ((qn>>1)*((qn>>1)+1))>>1 {
				itheta = int((isqrt32(8*uint32(fm)+1) - 1) >> 1)
				fs = itheta + 1
				fl = itheta * (itheta + 1) >> 1
			} else {
				itheta = int((2*uint32(qn+1) - isqrt32(8*uint32(ft-fm-1)+1)) >> 1)
				fs = qn + 1 - itheta
				fl = ft - ((qn + 1 - itheta) * (qn + 2 - itheta) >> 1)
			}
			rd.Update(uint32(fl), uint32(fl+fs), uint32(ft))
		}
		itheta = udiv(itheta*16384, qn)
	} else if stereo {
		if *b > 2<<bitRes && ctx.remainingBits > 2<<bitRes {
			inv = rd.BitLogp(2)
		}
		if ctx.disableInv {
			inv = false
		}
		itheta = 0
	}
	qalloc := rd.TellFrac() - tell
	*b -= qalloc

	var imid, iside, delta int
	switch itheta {
	case 0:
		imid, iside = 32767, 0
		*fill &= (1 << uint(bb)) - 1
		delta = -16384
	case 16384:
		imid, iside = 0, 32767
		*fill &= ((1 << uint(bb)) - 1) << uint(bb)
		delta = 16384
	default:
		imid = int(bitexactCos(int16(itheta)))
		iside = int(bitexactCos(int16(16384 - itheta)))
		delta = int(fracMul16(int32((n-1)<<7), bitexactLog2tan(int32(iside), int32(imid))))
	}
	*sctx = splitCtx{inv: inv, imid: imid, iside: iside, delta: delta, itheta: itheta, qalloc: qalloc}
}

// quantBandN1 decodes a band of one sample per channel (quant_band_n1).
func (ctx *bandCtx) quantBandN1(x, y []float32, b int, lowbandOut []float32) uint {
	for c := 0; c < 2; c++ {
		v := x
		if c == 1 {
			if y == nil {
				break
			}
			v = y
		}
		sign := uint32(0)
		if ctx.remainingBits >= 1<<bitRes {
			sign = ctx.rd.Bits(1)
			ctx.remainingBits -= 1 << bitRes
			b -= 1 << bitRes
		}
		if sign != 0 {
			v[0] = -1
		} else {
			v[0] = 1
		}
	}
	if lowbandOut != nil {
		lowbandOut[0] = x[0]
	}
	return 1
}

// quantPartition decodes a mono partition, splitting it recursively
// (quant_partition).
func (ctx *bandCtx) quantPartition(x []float32, n, b, bb int, lowband []float32, lm int, gain float32, fill int) uint {
	b0 := bb
	i := ctx.band
	var cm uint
	if lm != -1 && n > 2 {
		cache := pulseCache(i, lm)
		if b > int(cache[cache[0]])+12 {
			n >>= 1
			y := x[n:]
			lm--
			if bb == 1 {
				fill = (fill & 1) | (fill << 1)
			}
			bb = (bb + 1) >> 1
			var sctx splitCtx
			ctx.computeTheta(&sctx, n, &b, bb, b0, lm, false, &fill)
			mid := (1.0 / 32768) * float32(sctx.imid)
			side := (1.0 / 32768) * float32(sctx.iside)
			delta := sctx.delta
			itheta := sctx.itheta
			if b0 > 1 && itheta&0x3fff != 0 {
				if itheta > 8192 {
					delta -= delta >> uint(4-lm)
				} else {
					delta = min(0, delta+(n<<bitRes>>uint(5-lm)))
				}
			}
			mbits := max(0, min(b, (b-delta)/2))
			sbits := b - mbits
			ctx.remainingBits -= sctx.qalloc
			var nextLowband2 []float32
			if lowband != nil {
				nextLowband2 = lowband[n:]
			}
			rebalance := ctx.remainingBits
			if mbits >= sbits {
				cm = ctx.quantPartition(x, n, mbits, bb, lowband, lm, gain*mid, fill)
				rebalance = mbits - (rebalance - ctx.remainingBits)
				if rebalance > 3<<bitRes && itheta != 0 {
					sbits += rebalance - (3 << bitRes)
				}
				cm |= ctx.quantPartition(y, n, sbits, bb, nextLowband2, lm, gain*side, fill>>uint(bb)) << uint(b0>>1)
			} else {
				cm = ctx.quantPartition(y, n, sbits, bb, nextLowband2, lm, gain*side, fill>>uint(bb)) << uint(b0>>1)
				rebalance = sbits - (rebalance - ctx.remainingBits)
				if rebalance > 3<<bitRes && itheta != 16384 {
					mbits += rebalance - (3 << bitRes)
				}
				cm |= ctx.quantPartition(x, n, mbits, bb, lowband, lm, gain*mid, fill)
			}
			return cm
		}
	}

	// No split.
	q := bits2pulses(i, lm, b)
	currBits := pulses2bits(i, lm, q)
	ctx.remainingBits -= currBits
	for ctx.remainingBits < 0 && q > 0 {
		ctx.remainingBits += currBits
		q--
		currBits = pulses2bits(i, lm, q)
		ctx.remainingBits -= currBits
	}
	if q != 0 {
		k := getPulses(q)
		return algUnquant(x, n, k, ctx.spread, bb, ctx.rd, gain, ctx.iy[:])
	}
	// No pulses: fill the band anyway.
	cmMask := uint(1)<<uint(bb) - 1
	fill &= int(cmMask)
	if fill == 0 {
		clear(x[:n])
		return 0
	}
	if lowband == nil {
		for j := 0; j < n; j++ {
			ctx.seed = lcgRand(ctx.seed)
			x[j] = float32(int32(ctx.seed) >> 20)
		}
		cm = cmMask
	} else {
		for j := 0; j < n; j++ {
			ctx.seed = lcgRand(ctx.seed)
			tmp := float32(1.0 / 256)
			if ctx.seed&0x8000 == 0 {
				tmp = -tmp
			}
			x[j] = lowband[j] + tmp
		}
		cm = uint(fill)
	}
	renormaliseVector(x[:n], gain)
	return cm
}

// quantBand decodes a mono band (quant_band).
func (ctx *bandCtx) quantBand(x []float32, n, b, bb int, lowband []float32, lm int, lowbandOut []float32, gain float32, lowbandScratch []float32, fill int) uint {
	n0 := n
	nb := n
	b0 := bb
	timeDivide := 0
	recombine := 0
	longBlocks := b0 == 1
	tfChange := ctx.tfChange

	nb = udiv(nb, bb)
	if n == 1 {
		return ctx.quantBandN1(x, nil, b, lowbandOut)
	}
	if tfChange > 0 {
		recombine = tfChange
	}
	if lowbandScratch != nil && lowband != nil && (recombine != 0 || (nb&1 == 0 && tfChange < 0) || b0 > 1) {
		copy(lowbandScratch[:n], lowband[:n])
		lowband = lowbandScratch
	}
	for k := 0; k < recombine; k++ {
		if lowband != nil {
			haar1(lowband, n>>uint(k), 1<<uint(k))
		}
		fill = int(bitInterleaveTable[fill&0xF]) | int(bitInterleaveTable[fill>>4])<<2
	}
	bb >>= uint(recombine)
	nb <<= uint(recombine)

	for nb&1 == 0 && tfChange < 0 {
		if lowband != nil {
			haar1(lowband, nb, bb)
		}
		fill |= fill << uint(bb)
		bb <<= 1
		nb >>= 1
		timeDivide++
		tfChange++
	}
	b0 = bb
	nb0 := nb

	if b0 > 1 && lowband != nil {
		ctx.deinterleaveHadamard(lowband, nb>>uint(recombine), b0<<uint(recombine), longBlocks)
	}

	cm := ctx.quantPartition(x, n, b, bb, lowband, lm, gain, fill)

	if b0 > 1 {
		ctx.interleaveHadamard(x, nb>>uint(recombine), b0<<uint(recombine), longBlocks)
	}
	nb = nb0
	bb = b0
	for k := 0; k < timeDivide; k++ {
		bb >>= 1
		nb <<= 1
		cm |= cm >> uint(bb)
		haar1(x, nb, bb)
	}
	for k := 0; k < recombine; k++ {
		cm = uint(bitDeinterleaveTable[cm&0xF])
		haar1(x, n0>>uint(k), 1<<uint(k))
	}
	bb <<= uint(recombine)

	if lowbandOut != nil {
		// celt_sqrt(SHL32(N0, 22)): the shift is a no-op in float.
		nn := float32(math.Sqrt(float64(n0)))
		for j := 0; j < n0; j++ {
			lowbandOut[j] = nn * x[j]
		}
	}
	cm &= (1 << uint(bb)) - 1
	return cm
}

// quantBandStereo decodes a stereo band (quant_band_stereo).
func (ctx *bandCtx) quantBandStereo(x, y []float32, n, b, bb int, lowband []float32, lm int, lowbandOut, lowbandScratch []float32, fill int) uint {
	if n == 1 {
		return ctx.quantBandN1(x, y, b, lowbandOut)
	}
	origFill := fill
	var sctx splitCtx
	ctx.computeTheta(&sctx, n, &b, bb, bb, lm, true, &fill)
	inv := sctx.inv
	mid := (1.0 / 32768) * float32(sctx.imid)
	side := (1.0 / 32768) * float32(sctx.iside)
	delta := sctx.delta
	itheta := sctx.itheta
	qalloc := sctx.qalloc
	var cm uint

	if n == 2 {
		// Mid and side are orthogonal: the side takes one bit.
		mbits := b
		sbits := 0
		if itheta != 0 && itheta != 16384 {
			sbits = 1 << bitRes
		}
		mbits -= sbits
		c := itheta > 8192
		ctx.remainingBits -= qalloc + sbits
		x2, y2 := x, y
		if c {
			x2, y2 = y, x
		}
		sign := uint32(0)
		if sbits != 0 {
			sign = ctx.rd.Bits(1)
		}
		fsign := float32(1 - 2*int(sign))
		cm = ctx.quantBand(x2, n, mbits, bb, lowband, lm, lowbandOut, 1, lowbandScratch, origFill)
		y2[0] = float32(-fsign * x2[1])
		y2[1] = float32(fsign * x2[0])
		x[0] = float32(mid * x[0])
		x[1] = float32(mid * x[1])
		y[0] = float32(side * y[0])
		y[1] = float32(side * y[1])
		tmp := x[0]
		x[0] = tmp - y[0]
		y[0] = tmp + y[0]
		tmp = x[1]
		x[1] = tmp - y[1]
		y[1] = tmp + y[1]
	} else {
		mbits := max(0, min(b, (b-delta)/2))
		sbits := b - mbits
		ctx.remainingBits -= qalloc
		rebalance := ctx.remainingBits
		if mbits >= sbits {
			cm = ctx.quantBand(x, n, mbits, bb, lowband, lm, lowbandOut, 1, lowbandScratch, fill)
			rebalance = mbits - (rebalance - ctx.remainingBits)
			if rebalance > 3<<bitRes && itheta != 0 {
				sbits += rebalance - (3 << bitRes)
			}
			cm |= ctx.quantBand(y, n, sbits, bb, nil, lm, nil, side, nil, fill>>uint(bb))
		} else {
			cm = ctx.quantBand(y, n, sbits, bb, nil, lm, nil, side, nil, fill>>uint(bb))
			rebalance = sbits - (rebalance - ctx.remainingBits)
			if rebalance > 3<<bitRes && itheta != 16384 {
				mbits += rebalance - (3 << bitRes)
			}
			cm |= ctx.quantBand(x, n, mbits, bb, lowband, lm, lowbandOut, 1, lowbandScratch, fill)
		}
	}

	if n != 2 {
		stereoMerge(x, y, mid, n)
	}
	if inv {
		for j := 0; j < n; j++ {
			y[j] = -y[j]
		}
	}
	return cm
}

// stereoMerge turns mid and side back into left and right
// (stereo_merge).
func stereoMerge(x, y []float32, mid float32, n int) {
	xp, side := dualInnerProd(y[:n], x, y)
	xp = mid * xp
	mid2 := mid
	el := float32(mid2*mid2) + side - float32(2*xp)
	er := float32(mid2*mid2) + side + float32(2*xp)
	if er < 6e-4 || el < 6e-4 {
		copy(y[:n], x[:n])
		return
	}
	lgain := 1 / float32(math.Sqrt(float64(el)))
	rgain := 1 / float32(math.Sqrt(float64(er)))
	for j := 0; j < n; j++ {
		l := float32(mid * x[j])
		r := y[j]
		x[j] = lgain * (l - r)
		y[j] = rgain * (l + r)
	}
}

// specialHybridFolding duplicates enough of the first band's folding data
// to fold the second band (special_hybrid_folding).
func specialHybridFolding(norm, norm2 []float32, start, m int, dualStereo bool) {
	n1 := m * int(eBands[start+1]-eBands[start])
	n2 := m * int(eBands[start+2]-eBands[start+1])
	if n2 > n1 {
		copy(norm[n1:n2], norm[2*n1-n2:n1])
		if dualStereo {
			copy(norm2[n1:n2], norm2[2*n1-n2:n1])
		}
	}
}

// quantAllBands decodes the shapes of all bands into x (and y for
// stereo) and their collapse masks (quant_all_bands, decoder side).
func (d *Decoder) quantAllBands(start, end int, x, y []float32, collapseMasks []uint8, pulses *[nbEBands]int, shortBlocks bool, spread int, dualStereo bool, intensity int, tfRes *[nbEBands]int, totalBits, balance int, rd *rangecoding.Decoder, lm, codedBands int) {
	m := 1 << uint(lm)
	bb := 1
	if shortBlocks {
		bb = m
	}
	c := 1
	if y != nil {
		c = 2
	}
	normOffset := m * int(eBands[start])
	normLen := m*int(eBands[nbEBands-1]) - normOffset
	norm := d.norm[:normLen]
	norm2 := d.norm[normLen : 2*normLen]
	lowbandScratch := x[m*int(eBands[nbEBands-1]):]

	ctx := &d.bands
	ctx.rd = rd
	ctx.intensity = intensity
	ctx.spread = spread
	ctx.disableInv = d.disableInv
	ctx.seed = d.rng
	ctx.avoidSplitNoise = bb > 1
	lowbandOffset := 0
	updateLowband := true
	for i := start; i < end; i++ {
		ctx.band = i
		last := i == end-1
		xb := x[m*int(eBands[i]):]
		var yb []float32
		if y != nil {
			yb = y[m*int(eBands[i]):]
		}
		n := m*int(eBands[i+1]) - m*int(eBands[i])
		tell := rd.TellFrac()
		if i != start {
			balance -= tell
		}
		remainingBits := totalBits - tell - 1
		ctx.remainingBits = remainingBits
		b := 0
		if i <= codedBands-1 {
			currBalance := sdiv(balance, min(3, codedBands-i))
			b = max(0, min(16383, min(remainingBits+1, pulses[i]+currBalance)))
		}
		if (m*int(eBands[i])-n >= m*int(eBands[start]) || i == start+1) && (updateLowband || lowbandOffset == 0) {
			lowbandOffset = i
		}
		if i == start+1 {
			specialHybridFolding(norm, norm2, start, m, dualStereo)
		}
		tfChange := tfRes[i]
		ctx.tfChange = tfChange
		scratch := lowbandScratch
		if last {
			scratch = nil
		}

		effectiveLowband := -1
		var xcm, ycm uint
		if lowbandOffset != 0 && (spread != spreadAggressive || bb > 1 || tfChange < 0) {
			effectiveLowband = max(0, m*int(eBands[lowbandOffset])-normOffset-n)
			foldStart := lowbandOffset
			for {
				foldStart--
				if m*int(eBands[foldStart]) <= effectiveLowband+normOffset {
					break
				}
			}
			foldEnd := lowbandOffset - 1
			for {
				foldEnd++
				if !(foldEnd < i && m*int(eBands[foldEnd]) < effectiveLowband+normOffset+n) {
					break
				}
			}
			for fi := foldStart; fi < foldEnd; fi++ {
				xcm |= uint(collapseMasks[fi*c+0])
				ycm |= uint(collapseMasks[fi*c+c-1])
			}
			if foldStart >= foldEnd {
				// The do-while of the C code runs once.
				xcm |= uint(collapseMasks[foldStart*c+0])
				ycm |= uint(collapseMasks[foldStart*c+c-1])
			}
		} else {
			xcm = uint(1)<<uint(bb) - 1
			ycm = xcm
		}

		if dualStereo && i == intensity {
			dualStereo = false
			for j := 0; j < m*int(eBands[i])-normOffset; j++ {
				norm[j] = float32(0.5 * (norm[j] + norm2[j]))
			}
		}
		var lowX, lowY, outX, outY []float32
		if effectiveLowband != -1 {
			lowX = norm[effectiveLowband:]
			lowY = norm2[effectiveLowband:]
		}
		if !last {
			outX = norm[m*int(eBands[i])-normOffset:]
			outY = norm2[m*int(eBands[i])-normOffset:]
		}
		if dualStereo {
			xcm = ctx.quantBand(xb, n, b/2, bb, lowX, lm, outX, 1, scratch, int(xcm))
			ycm = ctx.quantBand(yb, n, b/2, bb, lowY, lm, outY, 1, scratch, int(ycm))
		} else {
			if yb != nil {
				xcm = ctx.quantBandStereo(xb, yb, n, b, bb, lowX, lm, outX, scratch, int(xcm|ycm))
			} else {
				xcm = ctx.quantBand(xb, n, b, bb, lowX, lm, outX, 1, scratch, int(xcm|ycm))
			}
			ycm = xcm
		}
		collapseMasks[i*c+0] = uint8(xcm)
		collapseMasks[i*c+c-1] = uint8(ycm)
		balance += pulses[i] + tell
		updateLowband = b > n<<bitRes
		ctx.avoidSplitNoise = false
	}
	d.rng = ctx.seed
}
