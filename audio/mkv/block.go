package mkv

import (
	"encoding/binary"
)

// Limits on blocks.
const (
	// maxBlockSize is the largest Block or SimpleBlock of the audio track
	// read into memory. An Opus packet is at most 1275 bytes per frame, a
	// Vorbis packet some KiB.
	maxBlockSize = 16 << 20
	// maxLaces is the most frames a laced block can hold (a count byte + 1).
	maxLaces = 256
)

// Lacing modes, bits 1-2 of a block's flags (RFC 9559 section 10.3).
const (
	lacingNone  = 0
	lacingXiph  = 1
	lacingFixed = 2
	lacingEBML  = 3
)

// A blockHeader is the start of a Block or SimpleBlock.
type blockHeader struct {
	track     uint64
	timestamp int16 // relative to the Cluster's Timestamp
	flags     byte
	len       int // bytes of the header
}

// parseBlockHeader parses the header at the start of b, which holds at
// least min(12, block length) bytes of a block whose data is size bytes.
func parseBlockHeader(b []byte, size int64) (blockHeader, bool) {
	track, n, ok := parseSize(b)
	if !ok || track == unknownSize || int64(n)+3 > size || len(b) < n+3 {
		return blockHeader{}, false
	}
	return blockHeader{
		track:     uint64(track),
		timestamp: int16(binary.BigEndian.Uint16(b[n:])),
		flags:     b[n+2],
		len:       n + 3,
	}, true
}

// lacing returns the block's lacing mode.
func (h blockHeader) lacing() int { return int(h.flags>>1) & 3 }

// A span is where one frame lies in a block's payload.
type span struct{ start, end int }

// splitLaces splits a block payload (the bytes after its header) into its
// frames by the lacing mode, appending their spans to frames (which has
// room for maxLaces). It returns the spans, or false with a reason when the
// lace sizes contradict the payload.
func splitLaces(p []byte, mode int, frames []span) ([]span, string) {
	if mode == lacingNone {
		return append(frames, span{0, len(p)}), ""
	}
	if len(p) < 1 {
		return nil, "laced block without a frame count"
	}
	count := int(p[0]) + 1
	pos := 1
	total := len(p)
	switch mode {
	case lacingXiph:
		sum := 0
		for range count - 1 {
			size := 0
			for {
				if pos >= total {
					return nil, "Xiph lace sizes run past the end of the block"
				}
				c := int(p[pos])
				pos++
				size += c
				if c < 255 {
					break
				}
			}
			sum += size
			if sum > total {
				return nil, "Xiph lace sizes exceed the block"
			}
			frames = append(frames, span{0, size})
		}
	case lacingEBML:
		sum := 0
		size := 0
		for i := range count - 1 {
			v, n, ok := parseSize(p[pos:])
			if !ok || v == unknownSize {
				return nil, "invalid EBML lace size"
			}
			pos += n
			if i == 0 {
				size = int(min(v, int64(total)+1))
			} else {
				// A signed difference: the value less half its range.
				size += int(v - (int64(1)<<(7*uint(n)-1) - 1))
			}
			if size < 0 {
				return nil, "negative EBML lace size"
			}
			sum += size
			if sum > total {
				return nil, "EBML lace sizes exceed the block"
			}
			frames = append(frames, span{0, size})
		}
	case lacingFixed:
		rest := total - pos
		if rest%count != 0 {
			return nil, "fixed-size lacing of a payload that is not a multiple of the frame count"
		}
		for range count {
			frames = append(frames, span{0, rest / count})
		}
		return place(frames, pos), ""
	}
	sum := 0
	for _, f := range frames {
		sum += f.end
	}
	last := total - pos - sum
	if last < 0 {
		return nil, "lace sizes exceed the block"
	}
	return place(append(frames, span{0, last}), pos), ""
}

// place turns frame sizes (in end) into spans laid end to end from pos.
func place(frames []span, pos int) []span {
	for i, f := range frames {
		frames[i] = span{pos, pos + f.end}
		pos += f.end
	}
	return frames
}
