package audiotest

import (
	"errors"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Accepted reports whether err, what a constructor or parser given fuzz
// input returned, is nil. Any other error must wrap pcm.ErrMalformed or
// pcm.ErrUnsupported, or tb fails: bad input is refused with one of the two
// sentinels, never with another error. The usual shape is
//
//	dec, err := NewDecoder(bytes.NewReader(data))
//	if !audiotest.Accepted(t, err) {
//		return
//	}
func Accepted(tb testing.TB, err error) bool {
	tb.Helper()
	if err == nil {
		return true
	}
	if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
		tb.Fatalf("error %v wraps neither ErrMalformed nor ErrUnsupported", err)
	}
	return false
}

// FuzzNext is a fuzz target's call of dec.Next. It returns the next block
// and true, or false at the end of the stream (io.EOF) or at an error, which
// must wrap one of allowed (pcm.ErrMalformed, say), or tb fails.
func FuzzNext(tb testing.TB, dec pcm.Decoder, allowed ...error) ([][]float32, bool) {
	tb.Helper()
	b, err := dec.Next()
	if err == nil {
		return b, true
	}
	if errors.Is(err, io.EOF) {
		return nil, false
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return nil, false
		}
	}
	tb.Fatalf("Next: %v wraps none of %v", err, allowed)
	return nil, false
}

// CheckBlock fails tb unless b is a well-formed block of a stream of
// channels channels: that many channels, all of the same length, and that
// length at most maxFrames.
func CheckBlock(tb testing.TB, b [][]float32, channels, maxFrames int) {
	tb.Helper()
	if len(b) != channels {
		tb.Fatalf("block of %d channels in a stream of %d", len(b), channels)
	}
	for c := range b {
		if len(b[c]) != len(b[0]) || len(b[c]) > maxFrames {
			tb.Fatalf("block of %d frames in channel 0 and %d in channel %d (at most %d)", len(b[0]), len(b[c]), c, maxFrames)
		}
	}
}
