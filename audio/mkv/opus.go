package mkv

import (
	"encoding/binary"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/opus"
)

// opusRate is the rate Opus always decodes at here.
const opusRate = 48000

// openOpus makes the Opus decoder of t from the OpusHead in its
// CodecPrivate. Without a CodecPrivate, ffmpeg decodes mono or stereo with
// no pre-skip; so does this.
func openOpus(t *track) (codecSetup, error) {
	priv := t.codecPrivate
	if len(priv) == 0 {
		if t.channels != 1 && t.channels != 2 {
			return codecSetup{}, unsupported("Opus track without an OpusHead, of %d channels", t.channels)
		}
		var h [19]byte
		copy(h[:], "OpusHead")
		h[8], h[9] = 1, byte(t.channels)
		binary.LittleEndian.PutUint32(h[12:], opusRate)
		priv = h[:]
	}
	h, err := opus.ParseHead(priv)
	if err != nil {
		return codecSetup{}, fmt.Errorf("mkv: CodecPrivate of the Opus track: %w", err)
	}
	dec, err := opus.NewDecoder(h)
	if err != nil {
		return codecSetup{}, fmt.Errorf("mkv: Opus track: %w", err)
	}
	return codecSetup{codec: dec, name: "opus", rate: opusRate, layout: dec.Layout(), preSkip: h.PreSkip}, nil
}
