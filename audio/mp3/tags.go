package mp3

import (
	"bytes"
	"errors"
)

// Metadata tags that MP3 files carry around their frames. They are skipped,
// never decoded: ID3v2 (normally at the start, but concatenated files have
// them in the middle), and at the end APEv2, Lyrics3 and ID3v1.
const (
	id3v2HeaderSize = 10
	id3v1Size       = 128
	apeFooterSize   = 32
	// maxLyrics3v1 is the longest Lyrics3 v1 tag: 5100 bytes of lyrics
	// between "LYRICSBEGIN" and "LYRICSEND".
	maxLyrics3v1 = 11 + 5100 + 9
	// maxLyrics3v2 bounds a Lyrics3 v2 tag: its size field has 6 digits.
	maxLyrics3v2 = 999999 + 15
)

// id3v2Size returns the total length of the ID3v2 tag that starts b (at
// least 10 bytes), header and footer included, or 0 when b does not start
// one. The size is a 28-bit "syncsafe" integer, so it is below 256 MiB.
func id3v2Size(b []byte) int64 {
	if len(b) < id3v2HeaderSize || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF ||
		(b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
		return 0
	}
	n := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	n += id3v2HeaderSize
	if b[5]&0x10 != 0 { // footer present (ID3v2.4)
		n += id3v2HeaderSize
	}
	return n
}

// isTagStart reports whether b starts like one of the tags skipTag knows.
// It looks at the first bytes only.
func isTagStart(b []byte) bool {
	return bytes.HasPrefix(b, []byte("ID3")) || bytes.HasPrefix(b, []byte("TAG")) ||
		bytes.HasPrefix(b, []byte("APETAGEX")) || bytes.HasPrefix(b, []byte("LYRICSBEGIN"))
}

// skipTag skips the tag at the current position of s, if there is one,
// and reports whether it did. A tag cut short by the end of the input is
// skipped to the end. Only reader errors are returned.
func skipTag(s *source) (bool, error) {
	b, err := s.peek(32)
	if err != nil && !errors.Is(err, errShort) {
		return false, err
	}
	switch {
	case bytes.HasPrefix(b, []byte("ID3")):
		n := id3v2Size(b)
		if n == 0 {
			return false, nil
		}
		return true, skipToEnd(s, n)
	case bytes.HasPrefix(b, []byte("TAG")):
		return true, skipToEnd(s, id3v1Size)
	case bytes.HasPrefix(b, []byte("APETAGEX")):
		if len(b) < apeFooterSize {
			return true, skipToEnd(s, apeFooterSize)
		}
		size := int64(le32(b[12:])) // items and footer, not the header
		if le32(b[20:])&(1<<29) == 0 {
			// A footer: its items were before it (read as junk). It is
			// only found alone when the tag has no header.
			return true, skipToEnd(s, apeFooterSize)
		}
		return true, skipToEnd(s, apeFooterSize+size)
	case bytes.HasPrefix(b, []byte("LYRICSBEGIN")):
		return skipLyrics3(s)
	}
	return false, nil
}

// skipToEnd skips n bytes, or to the end of the input if it is shorter.
func skipToEnd(s *source, n int64) error {
	_, err := s.skip(n)
	if errors.Is(err, errShort) {
		return nil
	}
	return err
}

// skipLyrics3 skips a Lyrics3 tag at the current position: v2 as a list of
// fields (3-letter id, 5-digit size, data) closed by a 6-digit size and
// "LYRICS200"; v1 as text closed by "LYRICSEND". It reports false, having
// skipped nothing, if neither form starts there. A v2 tag whose fields stop
// making sense is skipped up to that point; the framer treats the rest as
// junk.
func skipLyrics3(s *source) (bool, error) {
	const begin = len("LYRICSBEGIN")
	b, err := s.peek(begin + 15)
	if err != nil && !errors.Is(err, errShort) {
		return false, err
	}
	if f := b[min(begin, len(b)):]; len(f) >= 8 && upper(f[:3]) && digits(f[3:8]) || lyrics3End(f) {
		s.discard(begin)
		for total := int64(0); total < maxLyrics3v2; {
			f, err := s.peek(15)
			if err != nil && !errors.Is(err, errShort) {
				return true, err
			}
			if lyrics3End(f) {
				s.discard(15)
				return true, nil
			}
			if len(f) < 8 || !upper(f[:3]) || !digits(f[3:8]) {
				return true, nil
			}
			n := 8 + int64(atoi(f[3:8]))
			total += n
			if err := skipToEnd(s, n); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	b, err = s.peek(maxLyrics3v1)
	if err != nil && !errors.Is(err, errShort) {
		return false, err
	}
	if i := bytes.Index(b, []byte("LYRICSEND")); i >= 0 {
		s.discard(i + len("LYRICSEND"))
		return true, nil
	}
	return false, nil
}

// lyrics3End reports whether b starts with the end of a Lyrics3 v2 tag: a
// 6-digit size and "LYRICS200".
func lyrics3End(b []byte) bool {
	return len(b) >= 15 && digits(b[:6]) && string(b[6:15]) == "LYRICS200"
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func upper(b []byte) bool {
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
