package aac

// Extension payload types of a fill element (ISO/IEC 14496-3 subpart 4).
const (
	extSBRData    = 0xD
	extSBRDataCRC = 0xE
)

// decodeBlock decodes one raw_data_block (ISO/IEC 14496-3 subpart 4) from b
// and, only once every element has parsed, runs the filter bank of every
// channel, so that a bad block leaves the decoder's state as it was. It
// leaves b byte-aligned after the END element.
func (d *Decoder) decodeBlock(b *bitReader) error {
	clear(d.seen)
	for {
		if b.overrun() {
			return malformed("raw_data_block overruns the frame")
		}
		id := elementType(b.read(3))
		var err error
		switch id {
		case elemEND:
			b.byteAlign()
			if b.overrun() {
				return malformed("raw_data_block overruns the frame")
			}
			for i, ok := range d.seen {
				if !ok {
					return malformed("frame lacks the %s element of channel %d", d.slots[i].typ, d.slots[i].channel+1)
				}
			}
			for _, ch := range d.chans {
				d.tables.synthesize(ch)
			}
			return nil
		case elemSCE, elemLFE:
			err = d.decodeSingle(b, id)
		case elemCPE:
			err = d.decodePair(b)
		case elemCCE:
			return unsupported("coupling channel element")
		case elemDSE:
			skipDataStream(b)
		case elemPCE:
			// A program config in the frame restates the stream's; the
			// decoder keeps the channels it was made with.
			_, err = readProgramConfig(b)
			d.used |= toolPCE
		case elemFIL:
			err = skipFill(b)
			d.used |= toolFill
		}
		if err != nil {
			return err
		}
	}
}

// claim returns the output channel of the next element of type typ with
// instance tag tag, and marks its slot as filled.
func (d *Decoder) claim(typ elementType, tag int) (int, error) {
	for i, s := range d.slots {
		if s.typ == typ && !d.seen[i] && (s.tag < 0 || s.tag == tag) {
			d.seen[i] = true
			return s.channel, nil
		}
	}
	return 0, malformed("%s element with tag %d does not fit the stream's channel configuration", typ, tag)
}

// decodeSingle decodes a single_channel_element or lfe_channel_element.
func (d *Decoder) decodeSingle(b *bitReader, typ elementType) error {
	tag := int(b.read(4))
	c, err := d.claim(typ, tag)
	if err != nil {
		return err
	}
	ch := d.chans[c]
	s := &d.pair[0]
	s.spec = &ch.spec
	if err := d.readICS(b, s, false); err != nil {
		return err
	}
	d.fillNoise(s)
	d.applyTNS(s)
	ch.info = s.info
	return nil
}

// decodePair decodes a channel_pair_element.
func (d *Decoder) decodePair(b *bitReader) error {
	tag := int(b.read(4))
	c, err := d.claim(elemCPE, tag)
	if err != nil {
		return err
	}
	l, r := &d.pair[0], &d.pair[1]
	l.spec, r.spec = &d.chans[c].spec, &d.chans[c+1].spec
	common := b.readBool()
	ms := msNone
	if common {
		if err := d.readICSInfo(b, &l.info); err != nil {
			return err
		}
		r.info = l.info
		ms = int(b.read(2))
		switch ms {
		case msPerBand:
			for g := range l.info.numGroups {
				for sfb := range l.info.maxSFB {
					d.msUsed[bandIndex(g, sfb)] = b.readBool()
				}
			}
		case 3:
			return malformed("reserved M/S mask mode 3")
		}
	}
	if err := d.readICS(b, l, common); err != nil {
		return err
	}
	if err := d.readICS(b, r, common); err != nil {
		return err
	}
	d.fillNoise(l)
	d.fillNoise(r)
	if ms != msNone {
		d.used |= toolMidSide
		d.applyMidSide(l, r, ms)
	}
	if common {
		d.applyIntensity(l, r, ms)
	}
	d.applyTNS(l)
	d.applyTNS(r)
	d.chans[c].info = l.info
	d.chans[c+1].info = r.info
	return nil
}

// skipDataStream skips a data_stream_element.
func skipDataStream(b *bitReader) {
	b.skip(4) // element_instance_tag
	align := b.readBool()
	n := int(b.read(8))
	if n == 255 {
		n += int(b.read(8))
	}
	if align {
		b.byteAlign()
	}
	b.skip(8 * n)
}

// skipFill skips a fill_element, refusing one that carries SBR data: the
// implicit signalling of HE-AAC, which the decoder does not decode.
func skipFill(b *bitReader) error {
	n := int(b.read(4))
	if n == 15 {
		n += int(b.read(8)) - 1
	}
	if n == 0 {
		return nil
	}
	if t := b.peek(4); t == extSBRData || t == extSBRDataCRC {
		return unsupported("HE-AAC (SBR data in a fill element)")
	}
	b.skip(8 * n)
	return nil
}
