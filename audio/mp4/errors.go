package mp4

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// malformed returns an error wrapping pcm.ErrMalformed. Messages name
// boxes and numbers, never bytes of the file.
func malformed(format string, args ...any) error {
	return fmt.Errorf("mp4: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupported returns an error wrapping pcm.ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("mp4: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}
