package ogg

import (
	"encoding/binary"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Sizes of an Ogg page (RFC 3533 section 6).
const (
	headerSize  = 27                                     // fixed part of a page header
	maxSegments = 255                                    // lacing values in one page
	maxPageBody = 255 * 255                              // body bytes of one page
	maxPageSize = headerSize + maxSegments + maxPageBody // 65307
)

// Header type flags.
const (
	flagContinued = 0x01 // the first packet continues one from the previous page
	flagBOS       = 0x02 // first page of a logical stream
	flagEOS       = 0x04 // last page of a logical stream
)

// capturePattern starts every page.
const capturePattern = "OggS"

// pageHeader is the fixed part of a page header.
type pageHeader struct {
	flags    byte
	granule  int64 // -1: no packet ends on this page
	serial   uint32
	seq      uint32
	crc      uint32
	segments int // number of lacing values that follow
}

// parseHeader reads the 27-byte fixed header in b.
func parseHeader(b []byte) (pageHeader, error) {
	if string(b[:4]) != capturePattern {
		return pageHeader{}, fmt.Errorf("ogg: no page capture pattern where a page should start: %w", pcm.ErrMalformed)
	}
	if b[4] != 0 {
		return pageHeader{}, fmt.Errorf("ogg: page of stream structure version %d, only 0 exists: %w", b[4], pcm.ErrMalformed)
	}
	h := pageHeader{
		flags:    b[5],
		granule:  int64(binary.LittleEndian.Uint64(b[6:])),
		serial:   binary.LittleEndian.Uint32(b[14:]),
		seq:      binary.LittleEndian.Uint32(b[18:]),
		crc:      binary.LittleEndian.Uint32(b[22:]),
		segments: int(b[26]),
	}
	if h.flags&^(flagContinued|flagBOS|flagEOS) != 0 {
		return pageHeader{}, fmt.Errorf("ogg: page header type 0x%02x has undefined flags set: %w", h.flags, pcm.ErrMalformed)
	}
	if h.flags&flagBOS != 0 && h.flags&flagContinued != 0 {
		return pageHeader{}, fmt.Errorf("ogg: first page of a stream continues a packet: %w", pcm.ErrMalformed)
	}
	return h, nil
}

// pageCRC computes the checksum of a page from its fixed header (whose
// checksum field is taken as zero), lacing values and body.
func pageCRC(header, lacing, body []byte) uint32 {
	var zero [4]byte
	c := crcUpdate(0, header[:22])
	c = crcUpdate(c, zero[:])
	c = crcUpdate(c, header[26:headerSize])
	c = crcUpdate(c, lacing)
	return crcUpdate(c, body)
}

// bodySize is the total of the lacing values.
func bodySize(lacing []byte) int {
	n := 0
	for _, v := range lacing {
		n += int(v)
	}
	return n
}
