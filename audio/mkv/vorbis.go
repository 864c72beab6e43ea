package mkv

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/vorbis"
)

// openVorbis makes the Vorbis decoder of t from the three headers in its
// CodecPrivate. The output rate and channels are the identification
// header's (ffmpeg ignores the track's Audio element too).
func openVorbis(t *track) (codecSetup, error) {
	ident, comment, setup, why := splitVorbisPrivate(t.codecPrivate)
	if why != "" {
		return codecSetup{}, malformed("CodecPrivate of the Vorbis track: %s", why)
	}
	dec, err := vorbis.NewDecoder(ident, comment, setup)
	if err != nil {
		return codecSetup{}, fmt.Errorf("mkv: Vorbis headers in CodecPrivate: %w", err)
	}
	return codecSetup{codec: dec, name: "vorbis", rate: dec.SampleRate(), layout: dec.Layout()}, nil
}

// splitVorbisPrivate splits a Vorbis CodecPrivate into the identification,
// comment and setup headers, Xiph-laced after a count byte of 2 (the
// Matroska codec mapping of A_VORBIS).
func splitVorbisPrivate(p []byte) (ident, comment, setup []byte, why string) {
	if len(p) == 0 {
		return nil, nil, nil, "missing"
	}
	if p[0] != 2 {
		return nil, nil, nil, "it does not hold three headers"
	}
	frames, why := splitLaces(p, lacingXiph, make([]span, 0, 3))
	if why != "" {
		return nil, nil, nil, why
	}
	return p[frames[0].start:frames[0].end], p[frames[1].start:frames[1].end], p[frames[2].start:frames[2].end], ""
}
