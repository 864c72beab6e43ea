package mp4

import "encoding/binary"

// track is a trak box as far as the decoder needs it.
type track struct {
	box       box    // the trak box
	id        uint32 // track_ID of tkhd
	sound     bool   // handler type 'soun'
	timescale uint32 // of mdhd: media time units per second
	edit      edit
	elst      box // the elst box; typ 0 when there is none
	stsd      box
	tables    tableBoxes
}

// tableBoxes are the sample table boxes of a track; a typ of 0 marks one
// that is absent.
type tableBoxes struct {
	stts, stsc, stsz, stco box
}

// parseTrak finds the boxes of a trak and reads tkhd, mdhd and hdlr. The
// sample description and edit list are read only for the track that is
// decoded.
func parseTrak(src *source, trak box) (*track, error) {
	t := &track{box: trak}
	var mdia, minf, stbl box
	it := src.children(trak, "trak box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch b.typ {
		case typeTkhd:
			var f [24]byte
			p, err := src.readPayload(b, f[:], 16, "tkhd")
			if err != nil {
				return nil, err
			}
			if p[0] == 1 {
				if len(p) < 24 {
					return nil, malformed("the version 1 tkhd box is %d bytes, too short", b.size())
				}
				t.id = binary.BigEndian.Uint32(p[20:24])
			} else {
				t.id = binary.BigEndian.Uint32(p[12:16])
			}
		case typeEdts:
			if t.elst.typ == 0 {
				if t.elst, err = findChild(src, b, typeElst, "edts box"); err != nil {
					return nil, err
				}
			}
		case typeMdia:
			if mdia.typ == 0 {
				mdia = b
			}
		}
	}
	if mdia.typ == 0 {
		return nil, malformed("a trak box has no mdia box")
	}
	it = src.children(mdia, "mdia box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch b.typ {
		case typeMdhd:
			if err := t.readMdhd(src, b); err != nil {
				return nil, err
			}
		case typeHdlr:
			var f [12]byte
			p, err := src.readPayload(b, f[:], 12, "hdlr")
			if err != nil {
				return nil, err
			}
			t.sound = fourcc(binary.BigEndian.Uint32(p[8:12])) == typeSoun
		case typeMinf:
			minf = b
		}
	}
	if !t.sound {
		return t, nil
	}
	if t.timescale == 0 {
		return nil, malformed("the sound track has no mdhd box, or a timescale of 0")
	}
	if minf.typ == 0 {
		return nil, malformed("the sound track has no minf box")
	}
	stbl, err := findChild(src, minf, typeStbl, "minf box")
	if err != nil {
		return nil, err
	}
	if stbl.typ == 0 {
		return nil, malformed("the sound track has no stbl box")
	}
	it = src.children(stbl, "stbl box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		tb := &t.tables
		switch b.typ {
		case typeStsd:
			t.stsd = b
		case typeStts:
			tb.stts = b
		case typeStsc:
			tb.stsc = b
		case typeStsz, typeStz2:
			tb.stsz = b
		case typeStco, typeCo64:
			tb.stco = b
		}
	}
	if t.stsd.typ == 0 {
		return nil, malformed("the sound track has no stsd box")
	}
	return t, nil
}

// readMdhd reads the timescale of a mdhd box. Its duration is not used:
// the sample tables and the edit list say how long the track is.
func (t *track) readMdhd(src *source, b box) error {
	var f [24]byte
	p, err := src.readPayload(b, f[:], 16, "mdhd")
	if err != nil {
		return err
	}
	if p[0] == 1 {
		if len(p) < 24 {
			return malformed("the version 1 mdhd box is %d bytes, too short", b.size())
		}
		t.timescale = binary.BigEndian.Uint32(p[20:24])
		return nil
	}
	t.timescale = binary.BigEndian.Uint32(p[12:16])
	return nil
}

// findChild returns the first box of type typ inside b; its typ is 0 when
// there is none.
func findChild(src *source, b box, typ fourcc, name string) (box, error) {
	it := src.children(b, name)
	for {
		c, ok, err := it.nextBox()
		if err != nil || !ok {
			return box{}, err
		}
		if c.typ == typ {
			return c, nil
		}
	}
}
