package mkv

import (
	"io"
)

// Limits on the Tracks element.
const (
	// maxCodecPrivate is the largest CodecPrivate read into memory. Vorbis
	// headers, the largest a supported codec has, are a few KiB.
	maxCodecPrivate = 1 << 20
	// maxCodecIDLen bounds CodecID strings ("A_VORBIS" is 8 bytes).
	maxCodecIDLen = 64
	// maxTracks is the most TrackEntry elements accepted.
	maxTracks = 1024
)

// A track is what the demuxer keeps of the audio TrackEntry it decodes.
type track struct {
	number       uint64
	codecID      string
	codecPrivate []byte
	privateSize  int64 // size of the CodecPrivate element (-1: none)
	privateOff   int64 // offset of its data
	codecDelay   uint64
	seekPreRoll  uint64
	sampleRate   float64 // Audio/SamplingFrequency
	channels     uint64  // Audio/Channels
	encoded      bool    // has ContentEncodings
}

// trackList is the result of reading a Tracks element: the first audio
// track and every track number, so that blocks of undeclared tracks can be
// told from blocks of other declared tracks.
type trackList struct {
	audio   *track
	numbers []uint64
}

// declares reports whether the Tracks element declared track number n.
func (l *trackList) declares(n uint64) bool {
	for _, m := range l.numbers {
		if m == n {
			return true
		}
	}
	return false
}

// readTracks reads the Tracks element el and, if there is one, the
// CodecPrivate of its first audio track.
func readTracks(e *ebmlReader, el element) (*trackList, error) {
	if el.size == unknownSize {
		return nil, malformed("Tracks element at offset %d has an unknown size", el.off)
	}
	l := &trackList{}
	for {
		c, err := e.readHeader(el.end())
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if c.size == unknownSize {
			return nil, malformed("an element at offset %d in Tracks has an unknown size", c.off)
		}
		if c.id != idTrackEntry {
			if err := e.skip(c); err != nil {
				return nil, err
			}
			continue
		}
		if len(l.numbers) == maxTracks {
			return nil, unsupported("more than %d tracks", maxTracks)
		}
		t, isAudio, err := readTrackEntry(e, c)
		if err != nil {
			return nil, err
		}
		if t.number == 0 {
			if isAudio && l.audio == nil {
				return nil, malformed("audio TrackEntry at offset %d has no TrackNumber", c.off)
			}
			continue
		}
		if l.declares(t.number) {
			return nil, malformed("two TrackEntry elements have the track number %d", t.number)
		}
		l.numbers = append(l.numbers, t.number)
		if isAudio && l.audio == nil {
			l.audio = t
		}
	}
	if l.audio != nil && l.audio.privateSize >= 0 {
		if err := readCodecPrivate(e, l.audio); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// readCodecPrivate reads t's CodecPrivate, which readTrackEntry located,
// and returns to the read position it had.
func readCodecPrivate(e *ebmlReader, t *track) error {
	if t.privateSize > maxCodecPrivate {
		return unsupported("CodecPrivate of the audio track is %d bytes; at most %d are read", t.privateSize, maxCodecPrivate)
	}
	back := e.pos()
	if err := e.seek(t.privateOff); err != nil {
		return err
	}
	t.codecPrivate = make([]byte, t.privateSize)
	if err := e.readFull(t.codecPrivate, "CodecPrivate"); err != nil {
		return err
	}
	return e.seek(back)
}

// readTrackEntry reads the TrackEntry el. It reports whether the track is
// an audio track; CodecPrivate is only located, not read.
func readTrackEntry(e *ebmlReader, el element) (*track, bool, error) {
	t := &track{privateSize: -1, sampleRate: 8000, channels: 1} // RFC 9559 defaults
	var trackType uint64
	for {
		c, err := e.readHeader(el.end())
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		if c.size == unknownSize {
			return nil, false, malformed("an element at offset %d in a TrackEntry has an unknown size", c.off)
		}
		switch c.id {
		case idTrackNumber:
			t.number, err = e.readUint(c, "TrackNumber")
		case idTrackType:
			trackType, err = e.readUint(c, "TrackType")
		case idCodecID:
			if c.size > maxCodecIDLen {
				t.codecID = "(too long)"
				err = e.skip(c)
				break
			}
			t.codecID, err = e.readString(c, maxCodecIDLen, "CodecID")
		case idCodecPrivate:
			t.privateSize, t.privateOff = c.size, c.data
			err = e.skip(c)
		case idCodecDelay:
			t.codecDelay, err = e.readUint(c, "CodecDelay")
		case idSeekPreRoll:
			t.seekPreRoll, err = e.readUint(c, "SeekPreRoll")
		case idAudio:
			err = readAudio(e, c, t)
		case idContentEncodings:
			t.encoded = true
			err = e.skip(c)
		default:
			err = e.skip(c)
		}
		if err != nil {
			return nil, false, err
		}
	}
	return t, trackType == trackTypeAudio, nil
}

// readAudio reads a TrackEntry's Audio element el into t.
func readAudio(e *ebmlReader, el element, t *track) error {
	for {
		c, err := e.readHeader(el.end())
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if c.size == unknownSize {
			return malformed("an element at offset %d in Audio has an unknown size", c.off)
		}
		switch c.id {
		case idSamplingFreq:
			t.sampleRate, err = e.readFloat(c, "SamplingFrequency")
		case idChannels:
			t.channels, err = e.readUint(c, "Channels")
		default:
			err = e.skip(c)
		}
		if err != nil {
			return err
		}
	}
}
