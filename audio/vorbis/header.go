package vorbis

import (
	"encoding/binary"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Header packet types (section 4.2.1).
const (
	packetIdent   = 1
	packetComment = 3
	packetSetup   = 5
)

// identification is what the identification header declares.
type identification struct {
	channels   int
	rate       int
	blocksizes [2]int
}

// checkHeader checks a header packet's type and signature.
func checkHeader(p []byte, typ byte, name string) error {
	if len(p) < 7 || p[0] != typ || string(p[1:7]) != "vorbis" {
		return malformed("the %s header is not a Vorbis %s header", name, name)
	}
	return nil
}

// parseIdentification reads the identification header (section 4.2.2).
func parseIdentification(p []byte) (identification, error) {
	var id identification
	if err := checkHeader(p, packetIdent, "identification"); err != nil {
		return id, err
	}
	if len(p) < 30 {
		return id, malformed("identification header is %d bytes, need 30", len(p))
	}
	le := binary.LittleEndian
	if v := le.Uint32(p[7:]); v != 0 {
		return id, fmt.Errorf("vorbis: version %d, only 0 exists: %w", v, pcm.ErrUnsupported)
	}
	id.channels = int(p[11])
	rate := le.Uint32(p[12:])
	bs0, bs1 := uint(p[28]&15), uint(p[28]>>4)
	switch {
	case id.channels == 0:
		return id, malformed("identification header declares 0 channels")
	case rate == 0:
		return id, malformed("identification header declares a sample rate of 0")
	case bs0 < 6 || bs0 > 13 || bs1 < 6 || bs1 > 13:
		return id, malformed("block sizes 2^%d and 2^%d, they must be 64 to 8192", bs0, bs1)
	case bs0 > bs1:
		return id, malformed("short block 2^%d is longer than the long block 2^%d", bs0, bs1)
	case p[29]&1 == 0:
		return id, malformed("identification header framing bit is not set")
	case id.channels > pcm.MaxChannels:
		return id, fmt.Errorf("vorbis: %d channels, at most %d are supported: %w", id.channels, pcm.MaxChannels, pcm.ErrUnsupported)
	case rate < pcm.MinSampleRate || rate > pcm.MaxSampleRate:
		return id, fmt.Errorf("vorbis: sample rate %d Hz is outside the supported %d..%d Hz: %w", rate, pcm.MinSampleRate, pcm.MaxSampleRate, pcm.ErrUnsupported)
	}
	id.rate = int(rate)
	id.blocksizes = [2]int{1 << bs0, 1 << bs1}
	return id, nil
}
