package mp4

import "encoding/binary"

// edit is what the demuxer applies of a track's edit list: the one
// segment of media it presents, after any empty edits.
type edit struct {
	// present is false when the track has no edit list, or one without a
	// media segment: all samples are presented.
	present bool
	// mediaTime is where the segment starts, in the media's timescale:
	// the encoder's priming samples before it are dropped.
	mediaTime int64
	// duration is the length of the segment, in the movie's timescale.
	duration uint64
}

// parseElst reads an elst box: any number of empty edits (media_time −1),
// then at most one media segment at normal rate, and nothing after it.
// Other edit lists (several segments, a rate other than 1) are not
// decoded.
func parseElst(src *source, b box) (edit, error) {
	var h [8]byte
	p, err := src.readPayload(b, h[:], 8, "elst")
	if err != nil {
		return edit{}, err
	}
	version := p[0]
	count := binary.BigEndian.Uint32(p[4:8])
	entry := int64(12)
	if version == 1 {
		entry = 20
	} else if version != 0 {
		return edit{}, unsupported("elst box version %d", version)
	}
	if int64(count) > (b.size()-8)/entry {
		return edit{}, malformed("the elst box declares %d entries but has room for %d", count, (b.size()-8)/entry)
	}
	var w window
	w.reset(src, b.body+8, b.body+8+int64(count)*entry, "elst")
	var e edit
	for i := range count {
		q, err := w.read(int(entry))
		if err != nil {
			return edit{}, err
		}
		var dur uint64
		var mt int64
		if version == 1 {
			dur, mt, q = binary.BigEndian.Uint64(q), int64(binary.BigEndian.Uint64(q[8:])), q[16:]
		} else {
			dur, mt, q = uint64(binary.BigEndian.Uint32(q)), int64(int32(binary.BigEndian.Uint32(q[4:]))), q[8:]
		}
		rate, frac := int16(binary.BigEndian.Uint16(q)), binary.BigEndian.Uint16(q[2:])
		switch {
		case e.present:
			// ffmpeg plays what follows a segment, even an empty edit, in
			// ways not worth copying: leave such lists to it.
			return edit{}, unsupported("an edit list with edits after its first media segment")
		case mt == -1:
			continue // an empty edit before the media: ffmpeg ignores it
		case mt < -1:
			return edit{}, malformed("edit %d starts at media time %d", i+1, mt)
		case rate != 1 || frac != 0:
			return edit{}, unsupported("an edit list that plays media at rate %d+%d/65536", rate, frac)
		}
		e = edit{present: true, mediaTime: mt, duration: dur}
	}
	return e, nil
}
