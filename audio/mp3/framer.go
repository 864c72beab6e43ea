package mp3

import (
	"bytes"
	"errors"
	"io"
)

// maxJunk is the most bytes skipped while looking for a frame header:
// before the first frame (after any ID3v2 tag), and wherever the stream
// breaks off between two frames. ffmpeg's probe looks as far.
const maxJunk = 64 << 10

// maxFreeFormatFrame bounds the distance between two free-format headers
// looked for to tell a free-format stream (640 kbit/s at 32 kHz is 2880
// bytes).
const maxFreeFormatFrame = 2881

// maxFreeFormatChecks bounds how many free-format headers lockOn looks
// behind, so that junk full of them costs no more than a few frames.
const maxFreeFormatChecks = 8

// A framer splits the input into MPEG audio frames. It skips metadata tags
// and junk, and checks that every frame belongs to the stream it locked on.
type framer struct {
	src    source
	stream header // the first frame's header: the stream's fixed fields
	junk   int    // bytes of junk skipped before the first frame
}

// lockOn skips the ID3v2 tags at the start of the input and finds the first
// frame, which must be followed by frames of the same stream (the end of
// the input, or a tag, also confirms a frame found where the audio starts).
// It reads only the first frame's header; next returns the frame.
func (f *framer) lockOn() error {
	s := &f.src
	for {
		b, err := s.peek(id3v2HeaderSize)
		if err != nil && !errors.Is(err, errShort) {
			return err
		}
		n := id3v2Size(b)
		if n == 0 {
			break
		}
		if _, err := s.skip(n); err != nil {
			if errors.Is(err, errShort) {
				return malformed("the input ends inside its %d-byte ID3v2 tag, before any audio", n)
			}
			return err
		}
	}
	freeChecks := 0
	for junk := 0; ; junk++ {
		b, err := s.peek(headerSize)
		if err != nil && !errors.Is(err, errShort) {
			return err
		}
		if len(b) < headerSize {
			if s.offset == 0 && len(b) == 0 {
				return malformed("the input is empty")
			}
			return malformed("no MPEG audio frame found")
		}
		if h, ok := parseHeader(b); ok {
			if h.freeFormat() && freeChecks < maxFreeFormatChecks {
				freeChecks++
				free, err := f.freeFormatFollows(h)
				if err != nil {
					return err
				}
				if free {
					return unsupported("free-format bitrate (no bitrate index) is not decoded")
				}
			} else if !h.freeFormat() {
				ok, err := f.confirm(h, junk == 0, 2)
				if err != nil {
					return err
				}
				if ok {
					if h.layer() != 3 {
						return unsupported("MPEG audio layer I/II is not decoded, only layer III")
					}
					f.stream, f.junk = h, junk
					return nil
				}
			}
		}
		if junk >= maxJunk {
			return malformed("no MPEG audio frame within the first %d bytes of audio data", maxJunk)
		}
		s.discard(1)
	}
}

// confirm reports whether the header h at the current position starts a
// frame followed by `more` further frames of the same stream, where each
// may instead be followed by the end of the input or a tag if alone is
// true (no junk before h).
func (f *framer) confirm(h header, alone bool, more int) (bool, error) {
	off := 0
	for i := 0; i <= more; i++ {
		size := h.frameSize()
		b, err := f.src.peek(off + size + 11)
		if err != nil && !errors.Is(err, errShort) {
			return false, err
		}
		if len(b) < off+size {
			return false, nil // h's frame is cut short
		}
		next := b[off+size:]
		if len(next) == 0 || isTagStart(next) {
			return alone || i > 0, nil
		}
		if i == more {
			return true, nil
		}
		if len(next) < headerSize {
			return false, nil
		}
		g, ok := parseHeader(next)
		if !ok || g.freeFormat() || !g.sameStream(h) {
			return false, nil
		}
		off += size
		h = g
	}
	return true, nil
}

// freeFormatFollows reports whether the free-format header h at the current
// position is followed, within the largest free-format frame, by another
// free-format header of the same stream.
func (f *framer) freeFormatFollows(h header) (bool, error) {
	b, err := f.src.peek(maxFreeFormatFrame + headerSize)
	if err != nil && !errors.Is(err, errShort) {
		return false, err
	}
	for i := headerSize; i+headerSize <= len(b); i++ {
		if g, ok := parseHeader(b[i:]); ok && g.freeFormat() && g.sameStream(h) {
			return true, nil
		}
	}
	return false, nil
}

// next returns the next frame of the stream, header included, and its
// header. The bytes stay valid until the next call. At the end of the
// stream it returns io.EOF: the input may end after a frame, after tags,
// or after junk that holds no frame. A frame cut short by the end of the
// input, or junk longer than maxJunk, is malformed.
func (f *framer) next() ([]byte, header, error) {
	s := &f.src
	for {
		b, err := s.peek(headerSize)
		if err != nil && !errors.Is(err, errShort) {
			return nil, 0, err
		}
		if len(b) == 0 {
			return nil, 0, io.EOF
		}
		if len(b) == headerSize {
			if h, ok := parseHeader(b); ok && !h.freeFormat() && h.sameStream(f.stream) {
				size := h.frameSize()
				fb, err := s.peek(size)
				if errors.Is(err, errShort) {
					return nil, 0, malformed("truncated: the input ends %d bytes into a %d-byte frame", len(fb), size)
				}
				if err != nil {
					return nil, 0, err
				}
				s.discard(size)
				return fb, h, nil
			}
		} else if f.headerPrefix(b) {
			return nil, 0, malformed("truncated: the input ends %d bytes into a frame header", len(b))
		}
		skipped, err := skipTag(s)
		if err != nil {
			return nil, 0, err
		}
		if !skipped {
			if err := f.resync(); err != nil {
				return nil, 0, err
			}
		}
	}
}

// headerPrefix reports whether b, shorter than a header, is the start of a
// header of the stream.
func (f *framer) headerPrefix(b []byte) bool {
	var full [headerSize]byte
	copy(full[:], b)
	want := uint32(f.stream)
	mask := [headerSize]uint32{0xFF000000, 0xFFFE0000, 0xFFFE0C00}[len(b)-1]
	got := be32(full[:])
	return got&mask == want&mask
}

// resync skips junk up to the next frame of the stream that is followed by
// another one (or by the end of the input, or a tag), or past the next
// tag. It returns io.EOF if the input ends first, and a malformed error
// after maxJunk bytes without either.
func (f *framer) resync() error {
	s := &f.src
	for junk := 0; ; junk++ {
		b, err := s.peek(11) // a header, or the longest tag signature
		if err != nil && !errors.Is(err, errShort) {
			return err
		}
		if len(b) < headerSize {
			return io.EOF
		}
		// Tags in junk (but not Lyrics3 v1, whose end marker takes a long
		// search: it is skipped when it follows a frame).
		if junk > 0 && isTagStart(b) && !bytes.HasPrefix(b, []byte("LYRICSBEGIN")) {
			skipped, err := skipTag(s)
			if err != nil || skipped {
				return err
			}
			b, _ = s.peek(headerSize) // skipTag may have moved the buffer
		}
		if h, ok := parseHeader(b); ok && !h.freeFormat() && h.sameStream(f.stream) {
			ok, err := f.confirm(h, true, 1)
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
		}
		if junk >= maxJunk {
			return malformed("the stream breaks off: no frame header within %d bytes", maxJunk)
		}
		s.discard(1)
	}
}
