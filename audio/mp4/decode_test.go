package mp4

import (
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// minSNR is the accuracy bound against ffmpeg's float AAC and MP3
// decoders, per channel, in dB on 16-bit output. Both decoders follow the
// specifications' reference decoding (PNS is off in the AAC fixtures).
const minSNR = 60

// TestDecodeMatchesFFmpeg decodes every fixture and compares it with
// ffmpeg's decode: the same number of frames, each channel within minSNR,
// and Info saying the rate, layout and length.
func TestDecodeMatchesFFmpeg(t *testing.T) {
	for _, f := range decodable {
		t.Run(f.name, func(t *testing.T) {
			ref := audiotest.ReadRef(t, "testdata/"+f.name+".s16le.gz", len(f.layout))
			dec, err := NewDecoder(audiotest.Open(t, "testdata/"+f.name))
			if err != nil {
				t.Fatal(err)
			}
			info := dec.Info()
			if info.Codec != f.codec || info.SampleRate != f.rate || info.Layout.String() != f.layout.String() {
				t.Errorf("Info %q %d Hz %v, want %s %d Hz %v", info.Codec, info.SampleRate, info.Layout, f.codec, f.rate, f.layout)
			}
			want := int64(ref.Frames())
			if f.fragmented {
				want = -1
			}
			if info.Frames != want {
				t.Errorf("Info.Frames %d, want %d", info.Frames, want)
			}
			out, err := audiotest.Drain(dec)
			if err != nil {
				t.Fatal(err)
			}
			if len(out[0]) != ref.Frames() {
				t.Fatalf("%d frames, ffmpeg %d", len(out[0]), ref.Frames())
			}
			audiotest.CheckSNR(t, ref, out, minSNR)
		})
	}
}
