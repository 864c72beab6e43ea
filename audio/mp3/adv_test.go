package mp3

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// TestAdversarialJunk feeds 100 KB of a repeated pattern that looks like
// the start of something (headers that lead nowhere, tag signatures), alone
// and after a stream: the decoder must give up or finish quickly, with
// ErrMalformed or ErrUnsupported. The time bound catches searches that
// grow quadratically with the junk (a decode takes milliseconds).
func TestAdversarialJunk(t *testing.T) {
	patterns := map[string][]byte{
		"free-format header": {0xFF, 0xFB, 0x00, 0x44},
		"header":             {0xFF, 0xFB, 0x90, 0x44},
		"layer II header":    {0xFF, 0xFD, 0x90, 0x44},
		"0xFF":               {0xFF},
		"Lyrics3":            []byte("LYRICSBEGIN"),
		"bad ID3v2":          []byte("ID3\x04\x00\x00\x80\x00"),
		"APEv2":              []byte("APETAGEX"),
		"ID3v1":              []byte("TAG"),
	}
	stream := audiotest.ReadFixture(t, "notag_32k_stereo.mp3")
	for name, p := range patterns {
		junk := bytes.Repeat(p, 100000/len(p))
		for _, prefix := range [][]byte{nil, stream} {
			start := time.Now()
			_, err := decodeAll(append(append([]byte{}, prefix...), junk...))
			if err != nil && !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
				t.Errorf("%s after %d bytes: %v", name, len(prefix), err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s after %d bytes: took %v", name, len(prefix), d)
			}
		}
	}
}
