package mp4

import (
	"errors"
	"fmt"
	"io"
)

// source reads the file at absolute offsets. It remembers where the
// underlying reader stands, so reads that follow one another do not seek.
type source struct {
	r    io.ReadSeeker
	size int64 // length of the file
	pos  int64 // offset of r, or -1 when unknown (after a failed read)
}

// newSource measures the file r holds.
func newSource(r io.ReadSeeker) (*source, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("mp4: finding the length of the file: %w", err)
	}
	if size < 0 {
		return nil, fmt.Errorf("mp4: the reader reports a negative length")
	}
	return &source{r: r, size: size, pos: size}, nil
}

// readAt fills p with the bytes at offset off. what names the bytes for
// the error of a file that ends before them.
func (s *source) readAt(p []byte, off int64, what string) error {
	if off < 0 || off > s.size || int64(len(p)) > s.size-off {
		return malformed("the file ends inside %s (truncated file, or an offset past its end)", what)
	}
	if s.pos != off {
		if _, err := s.r.Seek(off, io.SeekStart); err != nil {
			s.pos = -1
			return fmt.Errorf("mp4: seeking to %s: %w", what, err)
		}
		s.pos = off
	}
	n, err := io.ReadFull(s.r, p)
	s.pos += int64(n)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		s.pos = -1
		return malformed("the file ends inside %s (it is shorter than its length said)", what)
	default:
		s.pos = -1
		return fmt.Errorf("mp4: reading %s: %w", what, err)
	}
}
