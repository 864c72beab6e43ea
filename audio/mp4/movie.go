package mp4

import "encoding/binary"

// movie is the moov box as far as the decoder needs it.
type movie struct {
	timescale uint32 // of mvhd: movie time units per second
	mvex      box    // typ 0 when the movie is not fragmented
	track     *track // the sound track to decode
}

// openMovie finds the moov box among the top-level boxes, wherever it is,
// and in it the sound track to decode: the first one with samples, or
// else the first one.
func openMovie(src *source) (*movie, error) {
	switch {
	case src.size == 0:
		return nil, malformed("the file is empty")
	case src.size < 8:
		return nil, malformed("the file is %d bytes, too short for a box", src.size)
	}
	b, err := src.readBox(0, src.size)
	if err != nil {
		return nil, err
	}
	if !isTopLevel(b.typ) {
		return nil, unsupported("not an MP4, M4A, 3GP or QuickTime file (its first box is of no known type)")
	}
	it := boxes{src: src, end: src.size, name: "file's top level"}
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, malformed("the file has no moov box")
		}
		if b.typ == typeMoov {
			return parseMoov(src, b)
		}
	}
}

// isTopLevel reports whether a file may start with a box of type t.
func isTopLevel(t fourcc) bool {
	for _, u := range topLevel {
		if t == u {
			return true
		}
	}
	return false
}

// parseMoov reads mvhd and mvex and picks the sound track.
func parseMoov(src *source, moov box) (*movie, error) {
	m := &movie{}
	it := src.children(moov, "moov box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch b.typ {
		case typeMvhd:
			var f [24]byte
			p, err := src.readPayload(b, f[:], 16, "mvhd")
			if err != nil {
				return nil, err
			}
			if p[0] == 1 {
				if len(p) < 24 {
					return nil, malformed("the version 1 mvhd box is %d bytes, too short", b.size())
				}
				m.timescale = binary.BigEndian.Uint32(p[20:24])
			} else {
				m.timescale = binary.BigEndian.Uint32(p[12:16])
			}
		case typeMvex:
			if m.mvex.typ == 0 {
				m.mvex = b
			}
		case typeCmov:
			return nil, unsupported("a compressed movie box (QuickTime cmov)")
		}
	}
	var first *track
	it = src.children(moov, "moov box")
	for {
		b, ok, err := it.nextBox()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if b.typ != typeTrak {
			continue
		}
		t, err := parseTrak(src, b)
		if err != nil {
			return nil, err
		}
		if !t.sound {
			continue
		}
		has, err := m.hasSamples(src, t)
		if err != nil {
			return nil, err
		}
		if has {
			m.track = t
			return m, nil
		}
		if first == nil {
			first = t
		}
	}
	if first == nil {
		return nil, malformed("the file has no sound track")
	}
	m.track = first
	return m, nil
}

// hasSamples reports whether the sample tables of t list samples, or the
// movie is fragmented and has defaults for t's fragments.
func (m *movie) hasSamples(src *source, t *track) (bool, error) {
	if b := t.tables.stsz; b.typ != 0 {
		var h [12]byte
		p, err := src.readPayload(b, h[:], 12, "sample size")
		if err != nil {
			return false, err
		}
		if binary.BigEndian.Uint32(p[8:12]) > 0 {
			return true, nil
		}
	}
	if m.mvex.typ == 0 {
		return false, nil
	}
	return hasTrex(src, m.mvex, t.id)
}
