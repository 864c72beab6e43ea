package aac

// pulseData is the pulse_data of a long window: quantized values raised
// or lowered by small amplitudes at a few lines.
type pulseData struct {
	n      int
	offset [4]int
	amp    [4]int32
}

// read reads pulse_data.
func (p *pulseData) read(b *bitReader, in *icsInfo) error {
	p.n = int(b.read(2)) + 1
	start := int(b.read(6))
	if start >= in.numSWB {
		return malformed("pulse start band %d past the %d bands", start, in.numSWB)
	}
	k := int(in.swb[start])
	for i := range p.n {
		k += int(b.read(5))
		if k >= frameLength {
			return malformed("pulse at line %d past the window", k)
		}
		p.offset[i] = k
		p.amp[i] = int32(b.read(4))
	}
	return nil
}

// apply adds the pulses that fall in band, whose first line is line
// first of the window: their amplitude goes away from zero, and downwards
// from zero itself.
func (p *pulseData) apply(band []int32, first int) {
	for i := range p.n {
		k := p.offset[i] - first
		if k < 0 || k >= len(band) {
			continue
		}
		if band[k] > 0 {
			band[k] += p.amp[i]
		} else {
			band[k] -= p.amp[i]
		}
	}
}
