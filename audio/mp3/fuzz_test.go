package mp3

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// FuzzDecode feeds arbitrary bytes to NewDecoder and Next. Whatever the
// input, the decoder must not panic, must stop, and must fail only with
// errors wrapping ErrMalformed or ErrUnsupported; its blocks are well
// formed. The seeds in testdata/fuzz/FuzzDecode are small valid streams
// (MPEG-1, MPEG-2, MPEG-2.5, Xing and LAME tags, ID3 tags, CRC, layer II)
// and edge cases.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
				t.Fatalf("NewDecoder: %v", err)
			}
			return
		}
		info := dec.Info()
		if info.SampleRate < 8000 || info.SampleRate > 48000 || (info.Channels() != 1 && info.Channels() != 2) {
			t.Fatalf("info %+v", info)
		}
		total := 0
		for {
			b, err := dec.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !errors.Is(err, pcm.ErrMalformed) {
					t.Fatalf("Next: %v", err)
				}
				return
			}
			if len(b) != info.Channels() {
				t.Fatalf("block of %d channels", len(b))
			}
			for _, c := range b {
				if len(c) != len(b[0]) || len(c) > maxFrameSamples {
					t.Fatalf("block lengths %d and %d", len(b[0]), len(c))
				}
			}
			// Each frame takes at least 24 bytes of input.
			if total += len(b[0]); total > (len(data)/24+1)*maxFrameSamples {
				t.Fatalf("%d samples from %d bytes", total, len(data))
			}
		}
	})
}
