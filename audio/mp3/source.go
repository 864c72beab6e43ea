package mp3

import (
	"errors"
	"fmt"
	"io"
)

// sourceBufSize is the size of a source's byte window. It holds three
// frames of the largest size and the longest tag header looked at, so that
// locking onto a stream can look ahead without reading twice.
const sourceBufSize = 16 << 10

// A source reads the input sequentially through one fixed buffer and lets
// the framer look ahead a few frames.
type source struct {
	r          io.Reader
	start, end int   // buf[start:end] is read and not yet consumed
	eof        bool  // r has returned io.EOF
	err        error // r's error other than io.EOF, wrapped
	offset     int64 // input offset of buf[start]
	stall      int   // consecutive reads that returned nothing
	buf        [sourceBufSize]byte
}

// errShort is returned by source.peek when the input ends first.
var errShort = errors.New("mp3: input ends")

// peek returns the next n bytes (n ≤ sourceBufSize) without consuming
// them. If the input ends first it returns the bytes left and errShort;
// an error of the reader is returned wrapped.
func (s *source) peek(n int) ([]byte, error) {
	for s.end-s.start < n {
		if s.err != nil {
			return s.buf[s.start:s.end], s.err
		}
		if s.eof {
			return s.buf[s.start:s.end], errShort
		}
		if s.start+n > len(s.buf) || s.end == len(s.buf) {
			copy(s.buf[:], s.buf[s.start:s.end])
			s.end -= s.start
			s.start = 0
		}
		k, err := s.r.Read(s.buf[s.end:])
		s.end += k
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			s.eof = true
		default:
			s.err = fmt.Errorf("mp3: reading input: %w", err)
		}
		if k == 0 && err == nil {
			// io.Reader allows (0, nil) but discourages it; a reader that
			// keeps doing so would hang the decoder.
			if s.stall++; s.stall > 100 {
				s.err = fmt.Errorf("mp3: reading input: %w", io.ErrNoProgress)
			}
		} else {
			s.stall = 0
		}
	}
	return s.buf[s.start : s.start+n], nil
}

// discard consumes n buffered bytes.
func (s *source) discard(n int) {
	s.start += n
	s.offset += int64(n)
}

// skip consumes n bytes, reading past the buffer as needed. It returns the
// number of bytes skipped, which is less than n only at the end of the
// input (with errShort) or on a reader error.
func (s *source) skip(n int64) (int64, error) {
	done := int64(0)
	for done < n {
		if s.end == s.start {
			if _, err := s.peek(1); err != nil {
				return done, err
			}
		}
		k := int(min(n-done, int64(s.end-s.start)))
		s.discard(k)
		done += int64(k)
	}
	return done, nil
}
