package opus

import (
	"errors"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Modes of an Opus frame, as its TOC byte gives them (RFC 6716 section
// 3.1).
const (
	modeSILK   = 1000
	modeHybrid = 1001
	modeCELT   = 1002
)

// Audio bandwidths (RFC 6716 section 2).
const (
	bandwidthNarrow    = 1101
	bandwidthMedium    = 1102
	bandwidthWide      = 1103
	bandwidthSuperWide = 1104
	bandwidthFull      = 1105
)

// Limits of the packet structure.
const (
	maxFrameBytes   = 1275 // RFC 6716 R2
	maxPacketFrames = 48   // 120 ms of 2.5 ms frames
	// MaxPacketSamples is the most samples per channel one packet holds:
	// 120 ms at 48 kHz (RFC 6716 R5).
	MaxPacketSamples = 5760
)

// errInvalidPacket is the cause of every packet-structure error.
var errInvalidPacket = errors.New("invalid packet structure")

func invalidPacket(format string, args ...any) error {
	return fmt.Errorf("opus: %s: %w", fmt.Sprintf(format, args...), pcm.ErrMalformed)
}

// tocMode returns the mode of the TOC byte toc.
func tocMode(toc byte) int {
	switch {
	case toc&0x80 != 0:
		return modeCELT
	case toc&0x60 == 0x60:
		return modeHybrid
	}
	return modeSILK
}

// tocBandwidth returns the audio bandwidth of the TOC byte toc.
func tocBandwidth(toc byte) int {
	switch {
	case toc&0x80 != 0:
		bw := bandwidthMedium + int((toc>>5)&3)
		if bw == bandwidthMedium {
			bw = bandwidthNarrow
		}
		return bw
	case toc&0x60 == 0x60:
		if toc&0x10 != 0 {
			return bandwidthFull
		}
		return bandwidthSuperWide
	}
	return bandwidthNarrow + int((toc>>5)&3)
}

// tocChannels returns 2 for a stereo TOC byte, else 1.
func tocChannels(toc byte) int {
	if toc&0x4 != 0 {
		return 2
	}
	return 1
}

// tocFrameSamples returns the samples per frame at 48 kHz of the TOC
// byte toc.
func tocFrameSamples(toc byte) int {
	switch {
	case toc&0x80 != 0:
		return (48000 << ((toc >> 3) & 3)) / 400
	case toc&0x60 == 0x60:
		if toc&0x08 != 0 {
			return 960
		}
		return 480
	}
	s := (toc >> 3) & 3
	if s == 3 {
		return 2880
	}
	return (48000 << s) / 100
}

// parsedPacket is one Opus packet split into its frames.
type parsedPacket struct {
	toc    byte
	count  int
	frames [maxPacketFrames][]byte
	// length is the bytes the packet takes, padding included (for
	// self-delimited packets of a multistream packet).
	length int
}

// parseSize reads a frame length (1 or 2 bytes); it returns -1 bytes for
// a truncated length.
func parseSize(data []byte) (size, bytes int) {
	if len(data) < 1 {
		return -1, -1
	}
	if data[0] < 252 {
		return int(data[0]), 1
	}
	if len(data) < 2 {
		return -1, -1
	}
	return 4*int(data[1]) + int(data[0]), 2
}

// parsePacket splits data into frames following RFC 6716 section 3.2
// (opus_packet_parse_impl); selfDelimited selects the framing of Appendix
// B, used by all but the last stream of a multistream packet. Every
// violation of rules R1-R7 returns an error wrapping pcm.ErrMalformed.
func parsePacket(data []byte, selfDelimited bool, p *parsedPacket) error {
	if len(data) == 0 {
		return invalidPacket("empty packet")
	}
	framesize := tocFrameSamples(data[0])
	toc := data[0]
	rest := data[1:]
	n := len(rest)
	lastSize := n
	var sizes [maxPacketFrames]int
	count := 0
	cbr := false
	pad := 0
	pos := 1 // offset in data of the frame data
	switch toc & 3 {
	case 0:
		count = 1
	case 1:
		count = 2
		cbr = true
		if !selfDelimited {
			if n&1 != 0 {
				return invalidPacket("code 1 packet with an odd payload of %d bytes", n)
			}
			lastSize = n / 2
			sizes[0] = lastSize
		}
	case 2:
		count = 2
		size, bytes := parseSize(data[pos:])
		if size < 0 {
			return invalidPacket("code 2 packet truncated in its frame length")
		}
		n -= bytes
		if size > n {
			return invalidPacket("code 2 packet: first frame of %d bytes in %d", size, n)
		}
		sizes[0] = size
		pos += bytes
		lastSize = n - size
	default:
		if n < 1 {
			return invalidPacket("code 3 packet without a frame count byte")
		}
		ch := data[pos]
		pos++
		n--
		count = int(ch & 0x3F)
		if count <= 0 || framesize*count > MaxPacketSamples {
			return invalidPacket("code 3 packet of %d frames of %d samples (at most 120 ms)", count, framesize)
		}
		if ch&0x40 != 0 {
			for {
				if n <= 0 {
					return invalidPacket("code 3 packet truncated in its padding length")
				}
				p := int(data[pos])
				pos++
				n--
				tmp := p
				if p == 255 {
					tmp = 254
				}
				n -= tmp
				pad += tmp
				if p != 255 {
					break
				}
			}
		}
		if n < 0 {
			return invalidPacket("code 3 packet: padding longer than the packet")
		}
		cbr = ch&0x80 == 0
		if !cbr {
			lastSize = n
			for i := 0; i < count-1; i++ {
				size, bytes := parseSize(data[pos:min(len(data), pos+max(n, 0))])
				if size < 0 {
					return invalidPacket("code 3 packet truncated in frame length %d", i)
				}
				n -= bytes
				if size > n {
					return invalidPacket("code 3 packet: frame %d of %d bytes in %d", i, size, n)
				}
				sizes[i] = size
				pos += bytes
				lastSize -= bytes + size
			}
			if lastSize < 0 {
				return invalidPacket("code 3 packet: frame lengths exceed the packet")
			}
		} else if !selfDelimited {
			lastSize = n / count
			if lastSize*count != n {
				return invalidPacket("code 3 CBR packet of %d bytes is not %d equal frames", n, count)
			}
			for i := 0; i < count-1; i++ {
				sizes[i] = lastSize
			}
		}
	}
	if selfDelimited {
		size, bytes := parseSize(data[pos:min(len(data), pos+max(n, 0))])
		if size < 0 {
			return invalidPacket("self-delimited packet truncated in its frame length")
		}
		n -= bytes
		if size > n {
			return invalidPacket("self-delimited packet: frame of %d bytes in %d", size, n)
		}
		pos += bytes
		sizes[count-1] = size
		if cbr {
			if size*count > n {
				return invalidPacket("self-delimited CBR packet: %d frames of %d bytes in %d", count, size, n)
			}
			for i := 0; i < count-1; i++ {
				sizes[i] = size
			}
		} else if bytes+size > lastSize {
			return invalidPacket("self-delimited packet: last frame of %d bytes in %d", size, lastSize-bytes)
		}
	} else {
		if lastSize > maxFrameBytes {
			return invalidPacket("frame of %d bytes (at most %d)", lastSize, maxFrameBytes)
		}
		sizes[count-1] = lastSize
	}
	p.toc = toc
	p.count = count
	for i := 0; i < count; i++ {
		if sizes[i] > maxFrameBytes {
			return invalidPacket("frame of %d bytes (at most %d)", sizes[i], maxFrameBytes)
		}
		if pos+sizes[i] > len(data) {
			return invalidPacket("frames exceed the packet")
		}
		p.frames[i] = data[pos : pos+sizes[i]]
		pos += sizes[i]
	}
	p.length = pad + pos
	return nil
}

// PacketSamples is the duration of an Opus packet at 48 kHz, from its TOC
// byte and, for code 3, its frame count (RFC 6716 section 3.1), without
// decoding it; 0 for a packet too short to say. Containers use it to place
// packets in time (Ogg granules).
func PacketSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	frame := tocFrameSamples(p[0])
	switch p[0] & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	}
	if len(p) < 2 {
		return 0
	}
	return int(p[1]&0x3f) * frame
}
