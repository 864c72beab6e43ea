package ffmpeg

import (
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// ErrNotFound reports that no ffmpeg program was found.
var ErrNotFound = errors.New("ffmpeg not found")

// Config says how to run ffmpeg.
type Config struct {
	// Path is the ffmpeg program. Find fills it in.
	Path string
	// Timeout is the wall-clock limit of one decode; zero means none
	// beyond the job's context.
	Timeout time.Duration
	// MaxDuration caps the audio one decode may output; ffmpeg is stopped
	// past it and the decode fails with ErrTooLong. Zero means no cap.
	MaxDuration time.Duration
}

// Find resolves the ffmpeg program: path itself when it is set (an explicit
// FFMPEG_PATH that is not an executable is an error), else "ffmpeg" on PATH.
// It returns ErrNotFound when path is empty and PATH has none.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("FFMPEG_PATH %q: %w", path, err)
		}
		return p, nil
	}
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", ErrNotFound
	}
	return p, nil
}
