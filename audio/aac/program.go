package aac

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxProgramChannels bounds the channels a program_config_element may
// declare. The syntax allows 15 front, side and back channel pairs and 3 LFE
// channels (93 channels); the decoder keeps at most this many.
const maxProgramChannels = 24

// programElement is one syntactic element a program_config_element lists:
// its type and instance tag, and the positions of its channels.
type programElement struct {
	typ       elementType
	tag       int
	positions [2]pcm.Channel // positions[1] only for a CPE
}

// programConfig is a program_config_element (ISO/IEC 14496-3 subpart 4): the
// elements that carry the channels of a stream, front to back.
type programConfig struct {
	elements []programElement
}

// channels is the number of channels the program carries.
func (p *programConfig) channels() int {
	n := 0
	for _, e := range p.elements {
		n += e.typ.channels()
	}
	return n
}

// layout is the position of each channel, in element order.
func (p *programConfig) layout() pcm.Layout {
	var l pcm.Layout
	for _, e := range p.elements {
		l = append(l, e.positions[:e.typ.channels()]...)
	}
	return l
}

// readProgramConfig reads a program_config_element. It is byte-aligned
// relative to the start of the buffer b reads (the AudioSpecificConfig or
// the raw_data_block), as the specification requires.
func readProgramConfig(b *bitReader) (*programConfig, error) {
	b.skip(4 + 2 + 4) // element_instance_tag, object_type, sampling_frequency_index
	front := int(b.read(4))
	side := int(b.read(4))
	back := int(b.read(4))
	lfe := int(b.read(2))
	assoc := int(b.read(3))
	cc := int(b.read(4))
	if b.readBool() { // mono_mixdown_present
		b.skip(4)
	}
	if b.readBool() { // stereo_mixdown_present
		b.skip(4)
	}
	if b.readBool() { // matrix_mixdown_idx_present
		b.skip(3)
	}
	p := &programConfig{}
	readGroup := func(n int) {
		for range n {
			typ := elemSCE
			if b.readBool() {
				typ = elemCPE
			}
			p.elements = append(p.elements, programElement{typ: typ, tag: int(b.read(4))})
		}
	}
	readGroup(front)
	nFront := len(p.elements)
	readGroup(side)
	nSide := len(p.elements)
	readGroup(back)
	nBack := len(p.elements)
	for range lfe {
		p.elements = append(p.elements, programElement{typ: elemLFE, tag: int(b.read(4))})
	}
	b.skip(4 * assoc) // assoc_data_element_tag_select
	if cc > 0 {
		return nil, fmt.Errorf("aac: program config with coupling channel elements: %w", pcm.ErrUnsupported)
	}
	b.byteAlign()
	comment := int(b.read(8))
	b.skip(8 * comment)
	if b.overrun() {
		return nil, fmt.Errorf("aac: program config element is truncated: %w", pcm.ErrMalformed)
	}
	if p.channels() == 0 {
		return nil, fmt.Errorf("aac: program config element declares no channels: %w", pcm.ErrMalformed)
	}
	if n := p.channels(); n > maxProgramChannels {
		return nil, fmt.Errorf("aac: program config element declares %d channels, more than %d: %w", n, maxProgramChannels, pcm.ErrUnsupported)
	}
	for i, e := range p.elements {
		for _, f := range p.elements[:i] {
			if e.typ == f.typ && e.tag == f.tag {
				return nil, fmt.Errorf("aac: program config element lists element %s %d twice: %w", e.typ, e.tag, pcm.ErrMalformed)
			}
		}
	}
	p.place(p.elements[:nFront], p.elements[nFront:nSide], p.elements[nSide:nBack], p.elements[nBack:])
	return p, nil
}

// place gives each channel of the program a speaker position: front
// elements from the centre outwards (a lone centre SCE, then front pairs,
// then wide pairs), side pairs, back pairs with a back-centre SCE, and the
// LFE channels. Channels beyond the named positions are Unknown.
func (p *programConfig) place(front, side, back, lfe []programElement) {
	take := func(free *[]pcm.Channel) pcm.Channel {
		if len(*free) == 0 {
			return pcm.Unknown
		}
		c := (*free)[0]
		*free = (*free)[1:]
		return c
	}
	pairs := func(group []programElement, single []pcm.Channel, double []pcm.Channel) {
		for i := range group {
			e := &group[i]
			if e.typ == elemCPE {
				e.positions[0], e.positions[1] = take(&double), take(&double)
			} else {
				e.positions[0] = take(&single)
			}
		}
	}
	pairs(front, []pcm.Channel{pcm.FrontCenter},
		[]pcm.Channel{pcm.FrontLeft, pcm.FrontRight, pcm.FrontLeftOfCenter, pcm.FrontRightOfCenter})
	// With two front pairs the inner one is left/right of centre.
	var fp []*programElement
	for i := range front {
		if front[i].typ == elemCPE {
			fp = append(fp, &front[i])
		}
	}
	if len(fp) >= 2 {
		fp[0].positions = [2]pcm.Channel{pcm.FrontLeftOfCenter, pcm.FrontRightOfCenter}
		fp[1].positions = [2]pcm.Channel{pcm.FrontLeft, pcm.FrontRight}
	}
	pairs(side, nil, []pcm.Channel{pcm.SideLeft, pcm.SideRight})
	pairs(back, []pcm.Channel{pcm.BackCenter}, []pcm.Channel{pcm.BackLeft, pcm.BackRight})
	pairs(lfe, []pcm.Channel{pcm.LowFrequency}, nil)
}
