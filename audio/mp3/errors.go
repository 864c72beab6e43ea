package mp3

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// malformed returns an error wrapping pcm.ErrMalformed. The message says
// what was wrong with the stream; it never quotes the stream's bytes.
func malformed(format string, args ...any) error {
	return fmt.Errorf("mp3: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupported returns an error wrapping pcm.ErrUnsupported that names the
// format or feature not decoded.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("mp3: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}
