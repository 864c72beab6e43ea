// Package celt is the CELT layer of the Opus decoder (RFC 6716 section
// 4.3), a port of libopus 1.3.1's floating-point CELT decoder for the one
// mode Opus uses (48 kHz, 2.5 to 20 ms frames).
package celt

import (
	"errors"
	"math"

	"github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"
)

// ErrInternal is returned when a frame reads more bits than it holds,
// which libopus reports as an internal error.
var ErrInternal = errors.New("celt: frame overran its bits")

// Decoder decodes the CELT frames of one Opus stream, of one or two
// channels, keeping the state between them.
type Decoder struct {
	channels       int // output channels
	streamChannels int // coded channels
	start, end     int
	disableInv     bool

	// State cleared by Reset.
	rng                 uint32
	lastPitchIndex      int
	lossCount           int
	skipPLC             bool
	postfilterPeriod    int
	postfilterPeriodOld int
	postfilterGain      float32
	postfilterGainOld   float32
	postfilterTapset    int
	postfilterTapsetOld int
	preemphMemD         [2]float32
	decodeMem           [2][decodeBufSize + overlap]float32
	lpc                 [2][lpcOrder]float32
	oldBandE            [2 * nbEBands]float32
	oldLogE             [2 * nbEBands]float32
	oldLogE2            [2 * nbEBands]float32
	backgroundLogE      [2 * nbEBands]float32

	rd rangecoding.Decoder
	*Scratch
}

// Scratch holds a decoder's work buffers, which keep nothing from one
// frame to the next: the decoders of the streams of one multistream
// packet, which decode one after the other, can share one.
type Scratch struct {
	x          [2 * 960]float32
	freq       [960]float32
	norm       [2 * 8 * 78]float32
	fftScratch [480]complex32
	bands      bandCtx
	alloc      allocation
	collapse   [2 * nbEBands]uint8
	plc        plcScratch
}

// NewDecoder returns a decoder of channels (1 or 2) output channels that
// works in s (a new Scratch if s is nil).
func NewDecoder(channels int, s *Scratch) *Decoder {
	if s == nil {
		s = new(Scratch)
	}
	d := &Decoder{channels: channels, streamChannels: channels, end: effEBands, Scratch: s}
	// The mono decoder disables stereo phase inversion (RFC 8251 section 7).
	d.disableInv = channels == 1
	d.Reset()
	return d
}

// Reset puts the decoder in its initial state (OPUS_RESET_STATE).
func (d *Decoder) Reset() {
	d.rng = 0
	d.lastPitchIndex = 0
	d.lossCount = 0
	d.postfilterPeriod, d.postfilterPeriodOld = 0, 0
	d.postfilterGain, d.postfilterGainOld = 0, 0
	d.postfilterTapset, d.postfilterTapsetOld = 0, 0
	d.preemphMemD = [2]float32{}
	d.decodeMem = [2][decodeBufSize + overlap]float32{}
	d.lpc = [2][lpcOrder]float32{}
	d.oldBandE = [2 * nbEBands]float32{}
	d.backgroundLogE = [2 * nbEBands]float32{}
	for i := range d.oldLogE {
		d.oldLogE[i] = -28
		d.oldLogE2[i] = -28
	}
	d.skipPLC = true
}

// SetStartBand sets the first coded band: 0, or 17 in Hybrid mode.
func (d *Decoder) SetStartBand(b int) { d.start = b }

// SetEndBand sets the band after the last coded one (13 to 21, by
// bandwidth).
func (d *Decoder) SetEndBand(b int) { d.end = b }

// SetStreamChannels sets the number of coded channels (1 or 2).
func (d *Decoder) SetStreamChannels(c int) { d.streamChannels = c }

// FinalRange is the range coder's final state after the last frame, for
// the check of RFC 6716 section 4.1.
func (d *Decoder) FinalRange() uint32 { return d.rng }

// Decode decodes one frame of frameSize samples (120, 240, 480 or 960)
// into pcm, interleaved by output channel, and returns frameSize. data
// nil or of at most one byte conceals a lost frame. rd, when not nil, is
// the range decoder the Opus layer already read from (Hybrid mode); else
// Decode starts its own on data (celt_decode_with_ec).
func (d *Decoder) Decode(data []byte, rd *rangecoding.Decoder, pcm []float32, frameSize int) (int, error) {
	cc := d.channels
	c := d.streamChannels
	start, end := d.start, d.end
	lm := 0
	for lm = 0; lm <= maxLM; lm++ {
		if shortMdctSize<<uint(lm) == frameSize {
			break
		}
	}
	if lm > maxLM || len(data) > 1275 || len(pcm) < frameSize*cc {
		return 0, errors.New("celt: bad frame size")
	}
	m := 1 << uint(lm)
	n := m * shortMdctSize
	effEnd := min(end, effEBands)

	if data == nil || len(data) <= 1 {
		d.decodeLost(n, lm)
		d.deemphasis(pcm, n)
		return frameSize, nil
	}

	// Use the pitch-based PLC only after two packets in a row.
	d.skipPLC = d.lossCount != 0

	if rd == nil {
		d.rd.Init(data)
		rd = &d.rd
	}

	if c == 1 {
		for i := 0; i < nbEBands; i++ {
			d.oldBandE[i] = max(d.oldBandE[i], d.oldBandE[nbEBands+i])
		}
	}

	totalBits := len(data) * 8
	tell := rd.Tell()
	silence := false
	if tell >= totalBits {
		silence = true
	} else if tell == 1 {
		silence = rd.BitLogp(15)
	}
	if silence {
		// Pretend all the remaining bits were read.
		tell = len(data) * 8
		rd.AddBits(tell - rd.Tell())
	}

	var postfilterGain float32
	postfilterPitch, postfilterTapset := 0, 0
	if start == 0 && tell+16 <= totalBits {
		if rd.BitLogp(1) {
			octave := int(rd.Uint(6))
			postfilterPitch = (16 << uint(octave)) + int(rd.Bits(uint(4+octave))) - 1
			qg := int(rd.Bits(3))
			if rd.Tell()+2 <= totalBits {
				postfilterTapset = rd.ICDF(tapsetICDF[:], 2)
			}
			postfilterGain = 0.09375 * float32(qg+1)
		}
		tell = rd.Tell()
	}

	isTransient := false
	if lm > 0 && tell+3 <= totalBits {
		isTransient = rd.BitLogp(3)
		tell = rd.Tell()
	}
	intraEner := false
	if tell+3 <= totalBits {
		intraEner = rd.BitLogp(3)
	}
	unquantCoarseEnergy(start, end, &d.oldBandE, intraEner, rd, c, lm)

	var tfRes [nbEBands]int
	tfDecode(start, end, isTransient, &tfRes, lm, rd)

	tell = rd.Tell()
	spread := spreadNormal
	if tell+4 <= totalBits {
		spread = rd.ICDF(spreadICDF[:], 5)
	}

	var caps, offsets [nbEBands]int
	initCaps(&caps, lm, c)
	dynallocLogp := 6
	totalBits <<= bitRes
	tell = rd.TellFrac()
	for i := start; i < end; i++ {
		width := c * int(eBands[i+1]-eBands[i]) << uint(lm)
		quanta := min(width<<bitRes, max(6<<bitRes, width))
		loopLogp := dynallocLogp
		boost := 0
		for tell+(loopLogp<<bitRes) < totalBits && boost < caps[i] {
			flag := rd.BitLogp(uint(loopLogp))
			tell = rd.TellFrac()
			if !flag {
				break
			}
			boost += quanta
			totalBits -= quanta
			loopLogp = 1
		}
		offsets[i] = boost
		if boost > 0 {
			dynallocLogp = max(2, dynallocLogp-1)
		}
	}

	allocTrim := 5
	if tell+(6<<bitRes) <= totalBits {
		allocTrim = rd.ICDF(trimICDF[:], 7)
	}

	bits := (len(data)*8)<<bitRes - rd.TellFrac() - 1
	antiCollapseRsv := 0
	if isTransient && lm >= 2 && bits >= (lm+2)<<bitRes {
		antiCollapseRsv = 1 << bitRes
	}
	bits -= antiCollapseRsv

	a := &d.alloc
	*a = allocation{}
	computeAllocation(a, start, end, &offsets, &caps, allocTrim, bits, c, lm, rd)
	unquantFineEnergy(start, end, &d.oldBandE, &a.fineQuant, rd, c)

	for ch := 0; ch < cc; ch++ {
		copy(d.decodeMem[ch][:decodeBufSize-n+overlap/2], d.decodeMem[ch][n:decodeBufSize+overlap/2])
	}

	x := d.x[:c*n]
	var y []float32
	if c == 2 {
		y = x[n:]
	}
	collapse := d.collapse[:c*nbEBands]
	d.quantAllBands(start, end, x[:n], y, collapse, &a.pulses, isTransient, spread, a.dualStereo, a.intensity, &tfRes,
		len(data)*(8<<bitRes)-antiCollapseRsv, a.balance, rd, lm, a.codedBands)

	antiCollapseOn := false
	if antiCollapseRsv > 0 {
		antiCollapseOn = rd.Bits(1) != 0
	}
	unquantEnergyFinalise(start, end, &d.oldBandE, &a.fineQuant, &a.finePriority, len(data)*8-rd.Tell(), rd, c)

	if antiCollapseOn {
		antiCollapse(x, collapse, lm, c, n, start, end, &d.oldBandE, &d.oldLogE, &d.oldLogE2, &a.pulses, d.rng)
	}

	if silence {
		for i := 0; i < c*nbEBands; i++ {
			d.oldBandE[i] = -28
		}
	}

	d.synthesis(x, start, effEnd, c, cc, isTransient, lm, silence)

	for ch := 0; ch < cc; ch++ {
		d.postfilterPeriod = max(d.postfilterPeriod, combFilterMinPeriod)
		d.postfilterPeriodOld = max(d.postfilterPeriodOld, combFilterMinPeriod)
		buf := d.decodeMem[ch][:]
		outOff := decodeBufSize - n
		combFilter(buf, outOff, d.postfilterPeriodOld, d.postfilterPeriod, shortMdctSize,
			d.postfilterGainOld, d.postfilterGain, d.postfilterTapsetOld, d.postfilterTapset, overlap)
		if lm != 0 {
			combFilter(buf, outOff+shortMdctSize, d.postfilterPeriod, postfilterPitch, n-shortMdctSize,
				d.postfilterGain, postfilterGain, d.postfilterTapset, postfilterTapset, overlap)
		}
	}
	d.postfilterPeriodOld = d.postfilterPeriod
	d.postfilterGainOld = d.postfilterGain
	d.postfilterTapsetOld = d.postfilterTapset
	d.postfilterPeriod = postfilterPitch
	d.postfilterGain = postfilterGain
	d.postfilterTapset = postfilterTapset
	if lm != 0 {
		d.postfilterPeriodOld = d.postfilterPeriod
		d.postfilterGainOld = d.postfilterGain
		d.postfilterTapsetOld = d.postfilterTapset
	}

	if c == 1 {
		copy(d.oldBandE[nbEBands:], d.oldBandE[:nbEBands])
	}

	if !isTransient {
		copy(d.oldLogE2[:], d.oldLogE[:])
		copy(d.oldLogE[:], d.oldBandE[:])
		var maxBackgroundIncrease float32
		if d.lossCount < 10 {
			maxBackgroundIncrease = float32(float32(m) * 0.001)
		} else {
			maxBackgroundIncrease = 1
		}
		for i := range d.backgroundLogE {
			d.backgroundLogE[i] = min(d.backgroundLogE[i]+maxBackgroundIncrease, d.oldBandE[i])
		}
	} else {
		for i := range d.oldLogE {
			d.oldLogE[i] = min(d.oldLogE[i], d.oldBandE[i])
		}
	}
	for ch := 0; ch < 2; ch++ {
		for i := 0; i < start; i++ {
			d.oldBandE[ch*nbEBands+i] = 0
			d.oldLogE[ch*nbEBands+i] = -28
			d.oldLogE2[ch*nbEBands+i] = -28
		}
		for i := end; i < nbEBands; i++ {
			d.oldBandE[ch*nbEBands+i] = 0
			d.oldLogE[ch*nbEBands+i] = -28
			d.oldLogE2[ch*nbEBands+i] = -28
		}
	}
	d.rng = rd.Range()

	d.deemphasis(pcm, n)
	d.lossCount = 0
	if rd.Tell() > 8*len(data) {
		return 0, ErrInternal
	}
	return frameSize, nil
}

// tfDecode reads the time-frequency resolution changes (tf_decode).
func tfDecode(start, end int, isTransient bool, tfRes *[nbEBands]int, lm int, rd *rangecoding.Decoder) {
	budget := int(rd.Storage()) * 8
	tell := rd.Tell()
	logp := 4
	tr := 0
	if isTransient {
		logp = 2
		tr = 1
	}
	tfSelectRsv := 0
	if lm > 0 && tell+logp+1 <= budget {
		tfSelectRsv = 1
	}
	budget -= tfSelectRsv
	tfChanged, curr := 0, 0
	for i := start; i < end; i++ {
		if tell+logp <= budget {
			if rd.BitLogp(uint(logp)) {
				curr ^= 1
			}
			tell = rd.Tell()
			tfChanged |= curr
		}
		tfRes[i] = curr
		if isTransient {
			logp = 4
		} else {
			logp = 5
		}
	}
	tfSelect := 0
	if tfSelectRsv != 0 && tfSelectTable[lm][4*tr+0+tfChanged] != tfSelectTable[lm][4*tr+2+tfChanged] {
		if rd.BitLogp(1) {
			tfSelect = 1
		}
	}
	for i := start; i < end; i++ {
		tfRes[i] = int(tfSelectTable[lm][4*tr+2*tfSelect+tfRes[i]])
	}
}

// denormaliseBands scales the unit-norm shapes x by the band energies
// into freq (denormalise_bands).
func denormaliseBands(x []float32, freq []float32, bandLogE []float32, start, end, m int, silence bool) {
	n := m * shortMdctSize
	bound := m * int(eBands[end])
	if silence {
		bound = 0
		start, end = 0, 0
	}
	clear(freq[:m*int(eBands[start])])
	for i := start; i < end; i++ {
		j := m * int(eBands[i])
		bandEnd := m * int(eBands[i+1])
		lg := bandLogE[i] + eMeans[i]
		g := float32(math.Exp(0.6931471805599453094 * float64(min(32, lg))))
		for ; j < bandEnd; j++ {
			freq[j] = float32(x[j] * g)
		}
	}
	clear(freq[bound:n])
}

// synthesis turns the decoded shapes and energies into time samples,
// overlap-added into the decoder memory (celt_synthesis).
func (d *Decoder) synthesis(x []float32, start, effEnd, c, cc int, isTransient bool, lm int, silence bool) {
	m := 1 << uint(lm)
	n := m * shortMdctSize
	b, nb, shift := 1, shortMdctSize<<uint(lm), maxLM-lm
	if isTransient {
		b, nb, shift = m, shortMdctSize, maxLM
	}
	freq := d.freq[:n]
	outOff := decodeBufSize - n
	switch {
	case cc == 2 && c == 1:
		// A mono stream to two channels: both get the same spectrum.
		denormaliseBands(x, freq, d.oldBandE[:], start, effEnd, m, silence)
		for bi := 0; bi < b; bi++ {
			imdct(freq[bi:], d.decodeMem[0][outOff+nb*bi:], shift, b, d.fftScratch[:])
		}
		for bi := 0; bi < b; bi++ {
			imdct(freq[bi:], d.decodeMem[1][outOff+nb*bi:], shift, b, d.fftScratch[:])
		}
	case cc == 1 && c == 2:
		// A stereo stream down-mixed to mono.
		denormaliseBands(x, freq, d.oldBandE[:], start, effEnd, m, silence)
		tmp := d.norm[:n] // free once the bands are decoded
		denormaliseBands(x[n:], tmp, d.oldBandE[nbEBands:], start, effEnd, m, silence)
		for i := 0; i < n; i++ {
			freq[i] = float32(0.5*freq[i]) + float32(0.5*tmp[i])
		}
		for bi := 0; bi < b; bi++ {
			imdct(freq[bi:], d.decodeMem[0][outOff+nb*bi:], shift, b, d.fftScratch[:])
		}
	default:
		for ch := 0; ch < cc; ch++ {
			denormaliseBands(x[ch*n:], freq, d.oldBandE[ch*nbEBands:], start, effEnd, m, silence)
			for bi := 0; bi < b; bi++ {
				imdct(freq[bi:], d.decodeMem[ch][outOff+nb*bi:], shift, b, d.fftScratch[:])
			}
		}
	}
}

// deemphasis applies the de-emphasis filter to the n newest samples of
// the decoder memory and writes them to pcm, interleaved (deemphasis).
func (d *Decoder) deemphasis(pcm []float32, n int) {
	cc := d.channels
	const verySmall = float32(1e-30)
	for ch := 0; ch < cc; ch++ {
		x := d.decodeMem[ch][decodeBufSize-n : decodeBufSize]
		mem := d.preemphMemD[ch]
		for j, v := range x {
			tmp := v + verySmall + mem
			mem = float32(preemph0 * tmp)
			pcm[j*cc+ch] = float32(tmp * (1.0 / 32768))
		}
		d.preemphMemD[ch] = mem
	}
}

// antiCollapse fills blocks of transient frames that received no pulses
// with noise (anti_collapse).
func antiCollapse(x []float32, collapse []uint8, lm, c, size, start, end int, logE, prev1LogE, prev2LogE *[2 * nbEBands]float32, pulses *[nbEBands]int, seed uint32) {
	for i := start; i < end; i++ {
		n0 := int(eBands[i+1] - eBands[i])
		depth := udiv(1+pulses[i], n0) >> uint(lm)
		thresh := 0.5 * float32(math.Exp(0.6931471805599453094*float64(-0.125*float32(depth))))
		sqrt1 := 1 / float32(math.Sqrt(float64(n0<<uint(lm))))
		for ch := 0; ch < c; ch++ {
			prev1 := prev1LogE[ch*nbEBands+i]
			prev2 := prev2LogE[ch*nbEBands+i]
			if c == 1 {
				prev1 = max(prev1, prev1LogE[nbEBands+i])
				prev2 = max(prev2, prev2LogE[nbEBands+i])
			}
			ediff := logE[ch*nbEBands+i] - min(prev1, prev2)
			ediff = max(0, ediff)
			r := 2 * float32(math.Exp(0.6931471805599453094*float64(-ediff)))
			if lm == 3 {
				r *= 1.41421356
			}
			r = min(thresh, r)
			r = r * sqrt1
			xb := x[ch*size+int(eBands[i])<<uint(lm):]
			renormalize := false
			for k := 0; k < 1<<uint(lm); k++ {
				if collapse[i*c+ch]&(1<<uint(k)) == 0 {
					for j := 0; j < n0; j++ {
						seed = lcgRand(seed)
						if seed&0x8000 != 0 {
							xb[(j<<uint(lm))+k] = r
						} else {
							xb[(j<<uint(lm))+k] = -r
						}
					}
					renormalize = true
				}
			}
			if renormalize {
				renormaliseVector(xb[:n0<<uint(lm)], 1)
			}
		}
	}
}
