package mkv

import (
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// malformed returns an error wrapping pcm.ErrMalformed. Messages name
// elements and offsets, never bytes of the file.
func malformed(format string, args ...any) error {
	return fmt.Errorf("mkv: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupported returns an error wrapping pcm.ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("mkv: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}

// readErr turns an error of the underlying reader met while reading what
// into the error to return: an unexpected end of file is a truncated file
// (ErrMalformed); anything else is the reader's own error, wrapped.
func readErr(err error, what string, off int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("file is truncated inside %s at offset %d", what, off)
	}
	return fmt.Errorf("mkv: reading %s at offset %d: %w", what, off, err)
}
