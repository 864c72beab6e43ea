package mp3

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
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
		if !audiotest.Accepted(t, err) {
			return
		}
		info := dec.Info()
		if info.SampleRate < 8000 || info.SampleRate > 48000 || (info.Channels() != 1 && info.Channels() != 2) {
			t.Fatalf("info %+v", info)
		}
		total := 0
		for {
			b, ok := audiotest.FuzzNext(t, dec, pcm.ErrMalformed)
			if !ok {
				return
			}
			audiotest.CheckBlock(t, b, info.Channels(), maxFrameSamples)
			// Each frame takes at least 24 bytes of input.
			if total += len(b[0]); total > (len(data)/24+1)*maxFrameSamples {
				t.Fatalf("%d samples from %d bytes", total, len(data))
			}
		}
	})
}
