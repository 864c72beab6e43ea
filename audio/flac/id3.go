package flac

import "strings"

// id3HeaderSize is the size of an ID3v2 tag header (and footer).
const id3HeaderSize = 10

// skipID3v2 skips the ID3v2 tags at the reader's position, as ffmpeg does
// before it probes a file: each is "ID3", a version other than 0xFF, flags,
// and a 28-bit synchsafe size of what follows the header (plus a 10-byte
// footer when the flags say so).
func skipID3v2(br *bitReader) error {
	for {
		p := br.peek(id3HeaderSize)
		switch {
		case len(p) >= 3 && string(p[:3]) == "ID3":
		case len(p) > 0 && len(p) < 3 && strings.HasPrefix("ID3", string(p)):
			// The file ends inside "ID3", or the reader failed there.
		default:
			return nil
		}
		if len(p) < id3HeaderSize {
			if br.err != nil {
				return wrapIn("an ID3v2 tag header", br.err)
			}
			return malformed("the file ends inside an ID3v2 tag header")
		}
		if p[3] == 0xFF || p[4] == 0xFF || (p[6]|p[7]|p[8]|p[9])&0x80 != 0 {
			return malformed("invalid ID3v2 tag header")
		}
		size := int64(p[6])<<21 | int64(p[7])<<14 | int64(p[8])<<7 | int64(p[9]) + id3HeaderSize
		if p[5]&0x10 != 0 {
			size += id3HeaderSize
		}
		if err := br.skip(size); err != nil {
			return wrapIn("an ID3v2 tag", err)
		}
	}
}
