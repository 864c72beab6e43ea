package mp4

import (
	"errors"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// wantUnsupported fails unless err wraps pcm.ErrUnsupported and its
// message mentions what.
func wantUnsupported(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, pcm.ErrUnsupported) || errors.Is(err, pcm.ErrMalformed) {
		t.Fatalf("error %v, want one wrapping ErrUnsupported", err)
	}
	if !strings.Contains(err.Error(), what) {
		t.Errorf("error %q does not mention %q", err, what)
	}
}

// wantMalformed fails unless err wraps pcm.ErrMalformed.
func wantMalformed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, pcm.ErrMalformed) || errors.Is(err, pcm.ErrUnsupported) {
		t.Fatalf("error %v, want one wrapping ErrMalformed", err)
	}
}
