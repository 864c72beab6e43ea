package mkv

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// minSNR is the accuracy bound per channel, in dB after ffmpeg-style
// 16-bit quantization, for both codecs: libopus (ffmpeg -c:a libopus) and
// ffmpeg's vorbis decoder follow the specifications' reference decoders,
// as do audio/opus and audio/vorbis.
const minSNR = 60

// TestDecodeFixtures decodes every fixture and compares it with ffmpeg's
// decode: the same number of frames, and at least minSNR per channel.
func TestDecodeFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			dec, err := NewDecoder(bytes.NewReader(audiotest.ReadFixture(t, fx.name)))
			if err != nil {
				t.Fatal(err)
			}
			info := dec.Info()
			if info.Codec != fx.codec || info.SampleRate != fx.rate || info.Channels() != fx.channels || info.Frames != -1 {
				t.Errorf("Info %+v, want %s at %d Hz, %d channels, Frames -1", info, fx.codec, fx.rate, fx.channels)
			}
			want := pcm.DefaultLayout(fx.channels)
			if info.Layout.String() != want.String() {
				t.Errorf("layout %v, want %v", info.Layout, want)
			}
			got, err := audiotest.Drain(dec)
			if err != nil {
				t.Fatal(err)
			}
			ref := audiotest.ReadRef(t, "testdata/"+fx.name+".s16le.gz", fx.channels)
			if len(got[0]) != ref.Frames() {
				t.Fatalf("%d frames, ffmpeg %d", len(got[0]), ref.Frames())
			}
			audiotest.CheckSNR(t, ref, got, minSNR)
		})
	}
}

// TestLacedDecode decodes opus_mono.webm's packets laced in every mode and
// checks the audio is the same, sample for sample, as the unlaced file's.
func TestLacedDecode(t *testing.T) {
	b := audiotest.ReadFixture(t, "opus_mono.webm")
	want := decodeFloats(t, b)
	pkts, tr, seg, err := demuxFile(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []int{lacingXiph, lacingEBML, lacingFixed} {
		got := decodeFloats(t, lacedCopy(pkts, tr, seg.docType, mode, 8))
		if len(got[0]) != len(want[0]) {
			t.Fatalf("lacing %d: %d frames, unlaced %d", mode, len(got[0]), len(want[0]))
		}
		for i := range want[0] {
			if got[0][i] != want[0][i] {
				t.Fatalf("lacing %d: sample %d differs", mode, i)
			}
		}
	}
}

// decodeFloats decodes a whole file with NewDecoder.
func decodeFloats(t *testing.T, b []byte) [][]float32 {
	t.Helper()
	dec, err := NewDecoder(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := audiotest.Drain(dec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
