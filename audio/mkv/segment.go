package mkv

import (
	"io"
)

// Limits on the elements read before the first Cluster.
const (
	// maxSeekHead is the largest SeekHead parsed; a larger one (which would
	// index Clusters) is skipped.
	maxSeekHead = 64 << 10
	// maxSeekEntries bounds the Seek entries parsed in one SeekHead.
	maxSeekEntries = 1024
	// defaultTimestampScale is the TimestampScale RFC 9559 gives an Info
	// without one: 1 ms, in nanoseconds.
	defaultTimestampScale = 1000000
)

// A segment is what the demuxer knows of the Segment before its first
// Cluster.
type segment struct {
	docType        string
	data           int64 // offset of the Segment's data: SeekPosition 0
	end            int64 // offset of its end, or -1 for unknown size
	timestampScale uint64
	tracks         *trackList
	// first is the header of the element that ended the header part (the
	// first Cluster, or an element ending an unknown-size Segment), already
	// read; nil when the Segment ended first.
	first *element
}

// readSegmentHeader reads, after the EBML header, the start of the Segment
// up to its first Cluster: Info and Tracks, skipping what else comes
// first. When the Tracks element is not among them but a SeekHead points
// to it, it is read from there.
func readSegmentHeader(e *ebmlReader, docType string) (*segment, error) {
	seg, err := findSegment(e)
	if err != nil {
		return nil, err
	}
	seg.docType = docType
	seg.timestampScale = defaultTimestampScale
	tracksAt := int64(-1) // SeekHead's position of Tracks
	for seg.first == nil {
		el, err := e.readHeader(seg.end)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if el.id == idCluster || (seg.end < 0 && isTopLevel(el.id)) {
			seg.first = &el
			break
		}
		if el.size == unknownSize {
			return nil, malformed("an element at offset %d has an unknown size; only Segment and Cluster may", el.off)
		}
		switch {
		case el.id == idInfo:
			err = readInfo(e, el, seg)
		case el.id == idTracks && seg.tracks == nil:
			seg.tracks, err = readTracks(e, el)
		case el.id == idSeekHead && el.size <= maxSeekHead && tracksAt < 0:
			tracksAt, err = readSeekHead(e, el, seg)
		default: // Cues, Tags, Chapters, Attachments, Void, CRC-32, unknown
			err = e.skip(el)
		}
		if err != nil {
			return nil, err
		}
	}
	if seg.tracks == nil && tracksAt >= 0 {
		if err := readTracksAt(e, seg, tracksAt); err != nil {
			return nil, err
		}
	}
	if seg.tracks == nil {
		return nil, malformed("no Tracks element before the first Cluster, and no SeekHead entry for one")
	}
	return seg, nil
}

// findSegment reads the top-level elements after the EBML header up to the
// Segment's header.
func findSegment(e *ebmlReader) (*segment, error) {
	for {
		el, err := e.readHeader(e.size)
		if err == io.EOF {
			return nil, malformed("no Segment after the EBML header")
		}
		if err != nil {
			return nil, err
		}
		switch {
		case el.id == idSegment:
			return &segment{data: el.data, end: el.end()}, nil
		case el.id == idEBML:
			return nil, malformed("a second EBML header at offset %d before any Segment", el.off)
		case el.size == unknownSize:
			return nil, malformed("an element at offset %d has an unknown size; only Segment and Cluster may", el.off)
		}
		if err := e.skip(el); err != nil { // Void, CRC-32
			return nil, err
		}
	}
}

// readInfo reads the Segment Info el: its TimestampScale.
func readInfo(e *ebmlReader, el element, seg *segment) error {
	for {
		c, err := e.readHeader(el.end())
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if c.size == unknownSize {
			return malformed("an element at offset %d in Info has an unknown size", c.off)
		}
		if c.id != idTimestampScale {
			if err := e.skip(c); err != nil {
				return err
			}
			continue
		}
		v, err := e.readUint(c, "TimestampScale")
		if err != nil {
			return err
		}
		if v == 0 {
			return malformed("TimestampScale is 0")
		}
		seg.timestampScale = v
	}
}

// readSeekHead reads the SeekHead el and returns the offset it gives for
// the Tracks element, or -1.
func readSeekHead(e *ebmlReader, el element, seg *segment) (int64, error) {
	tracksAt := int64(-1)
	for n := 0; ; n++ {
		c, err := e.readHeader(el.end())
		if err == io.EOF {
			return tracksAt, nil
		}
		if err != nil {
			return -1, err
		}
		if c.size == unknownSize {
			return -1, malformed("an element at offset %d in SeekHead has an unknown size", c.off)
		}
		if c.id != idSeek || n >= maxSeekEntries {
			if err := e.skip(c); err != nil {
				return -1, err
			}
			continue
		}
		var id, pos uint64
		havePos := false
		for {
			s, err := e.readHeader(c.end())
			if err == io.EOF {
				break
			}
			if err != nil {
				return -1, err
			}
			if s.size == unknownSize {
				return -1, malformed("an element at offset %d in a Seek has an unknown size", s.off)
			}
			switch s.id {
			case idSeekID:
				id, err = e.readUint(s, "SeekID")
			case idSeekPosition:
				pos, err = e.readUint(s, "SeekPosition")
				havePos = true
			default:
				err = e.skip(s)
			}
			if err != nil {
				return -1, err
			}
		}
		if id == idTracks && havePos && tracksAt < 0 && pos < uint64(e.size) {
			tracksAt = seg.data + int64(pos)
		}
	}
}

// readTracksAt reads the Tracks element that a SeekHead places at off, and
// returns to the read position it had.
func readTracksAt(e *ebmlReader, seg *segment, off int64) error {
	back := e.pos()
	if off < seg.data || (seg.end >= 0 && off >= seg.end) || off >= e.size {
		return malformed("SeekHead places Tracks at offset %d, outside the Segment", off)
	}
	if err := e.seek(off); err != nil {
		return err
	}
	el, err := e.readHeader(seg.end)
	if err == io.EOF {
		return malformed("SeekHead places Tracks at offset %d, at the end of the Segment", off)
	}
	if err != nil {
		return err
	}
	if el.id != idTracks {
		return malformed("SeekHead places Tracks at offset %d, where another element is", off)
	}
	if seg.tracks, err = readTracks(e, el); err != nil {
		return err
	}
	return e.seek(back)
}
