package mp3

// maxReservoir is the most bytes of main data a frame can take from the
// frames before it: main_data_begin has 9 bits in MPEG-1 (8 in MPEG-2).
const maxReservoir = 511

// maxFrameSamples is the samples per channel of the longest frame.
const maxFrameSamples = 1152

// A layer3 decodes the frames of a Layer III stream, one after the other.
// It keeps what spans frames: the bit reservoir, the overlap of the
// inverse MDCT and the synthesis filterbank's vectors.
type layer3 struct {
	si sideInfo
	// main holds the main data: the bytes kept from earlier frames
	// (held of them), then the current frame's, then bitPad zero bytes.
	main [maxReservoir + maxFrameSize + bitPad]byte
	held int

	sf      [2][2]scalefactors // by granule and channel
	xr      [2][granuleLines]float32
	overlap [2][subbands][subbandLines]float32
	synth   [2]synthesis
	// sub holds one granule of subband samples, by subband (rows padded
	// to slotStride for dct32x4, which reads four time slots at once).
	sub     [subbands][slotStride]float32
	dctOut  [32][4]float32 // DCTs of four time slots
	dctTemp dctScratch
	tmp     [granuleLines]float32 // scratch

	// blockTypes counts the granules decoded by block type (4 for mixed),
	// for tests.
	blockTypes [5]int
}

// decodeFrame decodes one frame (header included) with header h into
// out[ch][:h.samplesPerFrame()].
func (d *layer3) decodeFrame(h header, frame []byte, out *[2][maxFrameSamples]float32) error {
	nch := h.channels()
	off := headerSize
	if h.crc() {
		off += crcSize // the CRC is not checked, as ffmpeg does not by default
	}
	siSize := h.sideInfoSize()
	if len(frame) < off+siSize {
		return malformed("a %d-byte frame is too short for its side information", len(frame))
	}
	var sib [32 + bitPad]byte
	copy(sib[:], frame[off:off+siSize])
	si := &d.si
	if err := parseSideInfo(h, sib[:], si); err != nil {
		return err
	}

	// Main data: the held bytes, then this frame's.
	data := frame[off+siSize:]
	total := d.held + len(data)
	copy(d.main[d.held:], data)
	clear(d.main[total : total+bitPad])
	end := total * 8
	// The granules' data starts main_data_begin bytes before this frame's.
	// When fewer bytes are held (the stream starts mid-way or broke off),
	// the granules that start before the held data are decoded as silence
	// and the others are decoded where they fall, as ffmpeg does.
	pos := (d.held - si.mainDataBegin) * 8
	sum := 0
	for gr := range si.granules {
		for ch := range nch {
			sum += si.gr[gr][ch].part23
		}
	}
	if pos+sum > end {
		return malformed("granule data (%d bits from main_data_begin %d) runs past the frame's main data", sum, si.mainDataBegin)
	}
	rate := h.rateTable()
	r := bitReader{buf: d.main[:total+bitPad]}
	for gr := range si.granules {
		silent := pos < 0
		var nz [2]int
		var lays [2]*bandLayout
		for ch := range nch {
			g := &si.gr[gr][ch]
			kind := layoutLong
			switch {
			case g.blockType == blockShort && g.mixed:
				kind = layoutMixed
				d.blockTypes[4]++
			case g.blockType == blockShort:
				kind = layoutShort
				d.blockTypes[blockShort]++
			default:
				d.blockTypes[g.blockType]++
			}
			lay := &bandLayouts[rate][kind]
			lays[ch] = lay
			start := pos
			pos += g.part23
			if silent {
				clear(d.xr[ch][:])
				continue
			}
			r.pos = start
			rightIS := h.lsf() && ch == 1 && h.mode() == modeJointStereo && h.modeExt()&1 != 0
			readScalefactors(&r, h, g, kind, rightIS, &d.sf[0][ch], &d.sf[gr][ch])
			if r.pos > pos {
				return malformed("scalefactors overrun their granule's part2_3_length")
			}
			var gains [maxBands]float32
			bandGains(g, lay, &d.sf[gr][ch], &gains)
			n, err := decodeSpectrum(&r, pos, g, h, lay, &gains, &d.xr[ch])
			if err != nil {
				return err
			}
			nz[ch] = n
		}
		if nch == 2 && h.mode() == modeJointStereo && !silent {
			jointStereo(h, &si.gr[gr][1], lays[1], &d.sf[gr][1], &d.xr, &nz)
		}
		for ch := range nch {
			d.hybrid(ch, &si.gr[gr][ch], lays[ch], nz[ch], rate)
			for t := 0; t < subbandLines; t += 4 {
				dct32x4(&d.sub, t, &d.dctOut, &d.dctTemp)
				for q := range min(4, subbandLines-t) {
					d.synth[ch].synthesize(&d.dctOut, q, (*[32]float32)(out[ch][gr*granuleLines+(t+q)*subbands:]))
				}
			}
		}
	}

	// Keep the bytes after the last granule for the next frames.
	keep := min((end-max(pos, 0))/8, maxReservoir, total)
	copy(d.main[:keep], d.main[total-keep:total])
	d.held = keep
	return nil
}

// hybrid runs the MDCT half of the filterbank on channel ch's lines (nz of
// them possibly non-zero) and leaves the subband samples in d.sub, with
// the odd subbands' odd samples inverted.
func (d *layer3) hybrid(ch int, g *granuleInfo, lay *bandLayout, nz, rate int) {
	xr := &d.xr[ch]
	if g.blockType == blockShort {
		nz = reorderedExtent(lay, nz)
	}
	active := (nz + subbandLines - 1) / subbandLines // subbands with lines
	longSB := subbands                               // subbands of long blocks
	switch {
	case g.blockType == blockShort && g.mixed:
		reorder(xr, &d.tmp, lay, nz)
		longSB = mixedLongLines(rate) / subbandLines
		if active > 0 {
			antialias(xr, 1) // between the two lowest subbands only
			active = max(active, 2)
		}
	case g.blockType == blockShort:
		reorder(xr, &d.tmp, lay, nz)
		longSB = 0
	default:
		n := min(active, subbands-1)
		antialias(xr, n)
		if active > 0 {
			active = min(active+1, subbands)
		}
	}
	for sb := range subbands {
		ov := &d.overlap[ch][sb]
		out := (*[subbandLines]float32)(d.sub[sb][:])
		switch {
		case sb >= active:
			*out = *ov
			*ov = [subbandLines]float32{}
		case sb < longSB:
			bt := g.blockType
			if bt == blockShort {
				bt = blockNormal // the long subbands of a mixed block
			}
			imdctLong((*[subbandLines]float32)(xr[sb*subbandLines:]), bt, ov, out)
		default:
			imdctShort((*[subbandLines]float32)(xr[sb*subbandLines:]), ov, out)
		}
		if sb&1 == 1 {
			for t := 1; t < subbandLines; t += 2 {
				out[t] = -out[t]
			}
		}
	}
}
