package flac

import (
	"encoding/binary"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// streamInfoSize is the size of a STREAMINFO block's body.
const streamInfoSize = 34

// minBlockSize is the smallest maximum block size STREAMINFO may declare
// (RFC 9639 section 8.2).
const minBlockSize = 16

// streamInfo is the content of the STREAMINFO metadata block.
type streamInfo struct {
	minBlock, maxBlock int // block sizes, in samples per channel
	rate               int // Hz
	channels           int // 1 to 8
	bits               int // bits per sample, 4 to 32
	total              uint64
	md5                [16]byte // all zero when unknown
}

// parseStreamInfo decodes and checks the body of a STREAMINFO block.
func parseStreamInfo(b *[streamInfoSize]byte) (streamInfo, error) {
	be := binary.BigEndian
	x := be.Uint64(b[10:18]) // rate:20 channels-1:3 bits-1:5 total:36
	si := streamInfo{
		minBlock: int(be.Uint16(b[0:])),
		maxBlock: int(be.Uint16(b[2:])),
		rate:     int(x >> 44),
		channels: int(x>>41&7) + 1,
		bits:     int(x>>36&31) + 1,
		total:    x & (1<<36 - 1),
	}
	copy(si.md5[:], b[18:])
	switch {
	case si.maxBlock < minBlockSize:
		return si, malformed("STREAMINFO declares a maximum block size of %d samples, below the minimum of %d", si.maxBlock, minBlockSize)
	case si.minBlock > si.maxBlock:
		return si, malformed("STREAMINFO declares a minimum block size of %d samples above its maximum of %d", si.minBlock, si.maxBlock)
	case si.bits < 4:
		return si, malformed("STREAMINFO declares %d bits per sample; FLAC has 4 to 32", si.bits)
	case si.rate == 0:
		return si, unsupported("STREAMINFO declares a sample rate of 0, which marks non-audio data")
	case si.rate < pcm.MinSampleRate || si.rate > pcm.MaxSampleRate:
		return si, unsupported("sample rate %d Hz is outside the supported %d..%d Hz", si.rate, pcm.MinSampleRate, pcm.MaxSampleRate)
	}
	return si, nil
}

// hasMD5 reports whether the stream's MD5 signature is known.
func (si *streamInfo) hasMD5() bool { return si.md5 != [16]byte{} }
