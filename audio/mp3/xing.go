package mp3

// The frame that some encoders put first to describe a VBR stream: a
// Xing header ("Xing", or "Info" for CBR, as LAME writes it), with LAME's
// extension giving the encoder delay and padding, or Fraunhofer's VBRI
// header. The frame holds no audio.

// A vbrHeader is what the first frame's Xing or VBRI header says.
type vbrHeader struct {
	frames  int64 // audio frames that follow, or -1 when not given
	gapless bool  // a LAME tag gives delay and padding
	delay   int   // encoder delay, in samples
	padding int   // padding at the end, in samples
}

// Offsets of the LAME extension, from its start after the Xing fields.
const (
	lameVersionLen = 9  // "LAME3.100" or the like
	lameDelayOff   = 21 // 12 bits of delay and 12 of padding
	vbriOffset     = headerSize + 32
)

// parseVBRHeader looks for a Xing or VBRI header in frame, a Layer III
// frame with header h. It looks where ffmpeg does: right after the side
// information (not counting a CRC), and at byte 36 for VBRI.
func parseVBRHeader(h header, frame []byte) (vbrHeader, bool) {
	v := vbrHeader{frames: -1}
	p := headerSize + h.sideInfoSize()
	if len(frame) >= p+8 && (string(frame[p:p+4]) == "Xing" || string(frame[p:p+4]) == "Info") {
		flags := be32(frame[p+4:])
		p += 8
		field := func(n int) []byte {
			if len(frame) < p+n {
				p = len(frame) + 1
				return nil
			}
			b := frame[p : p+n]
			p += n
			return b
		}
		if flags&1 != 0 {
			if b := field(4); b != nil {
				v.frames = int64(be32(b))
			}
		}
		if flags&2 != 0 {
			field(4) // stream bytes
		}
		if flags&4 != 0 {
			field(100) // seek table
		}
		if flags&8 != 0 {
			field(4) // quality
		}
		if b := field(lameDelayOff + 3); b != nil {
			switch string(b[:4]) {
			case "LAME", "Lavf", "Lavc":
				dp := uint32(b[lameDelayOff])<<16 | uint32(b[lameDelayOff+1])<<8 | uint32(b[lameDelayOff+2])
				v.gapless = true
				v.delay, v.padding = int(dp>>12), int(dp&0xFFF)
			}
		}
		return v, true
	}
	if len(frame) >= vbriOffset+18 && string(frame[vbriOffset:vbriOffset+4]) == "VBRI" {
		// version 2, delay 2, quality 2, bytes 4, frames 4
		v.frames = int64(be32(frame[vbriOffset+14:]))
		return v, true
	}
	return v, false
}
