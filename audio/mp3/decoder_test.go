package mp3

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Accuracy bounds against ffmpeg's mp3float decode, per channel, after
// ffmpeg-style 16-bit quantization: both decoders follow the standard in
// float32, so they differ by rounding only (the fixtures reach 90.8 dB and
// more, and no sample differs by more than 1).
const (
	minSNR  = 80 // dB
	maxDiff = 2  // in 16-bit steps
)

// fixture is a test file of testdata/make.sh and what its decode must be.
type fixture struct {
	name   string
	rate   int
	layout pcm.Layout
	// frames is the Info.Frames the file declares (Xing frame count less
	// LAME delay and padding), -1 when it declares none.
	frames int64
}

var fixtures = []fixture{
	{"cbr128_44k_joint.mp3", 44100, pcm.LayoutStereo, 26460},
	{"vbr_v5_48k_stereo.mp3", 48000, pcm.LayoutStereo, 24000},
	{"mpeg2_22k_mono.mp3", 22050, pcm.LayoutMono, -1},
	{"mpeg25_8k_mono.mp3", 8000, pcm.LayoutMono, -1},
	{"mpeg25_12k_joint.mp3", 12000, pcm.LayoutStereo, 14400},
	{"mpeg25_11k_vbr.mp3", 11025, pcm.LayoutMono, 11025},
	{"id3v2_16k_mono.mp3", 16000, pcm.LayoutMono, -1},
	{"id3v2_padded_16k_mono.mp3", 16000, pcm.LayoutMono, -1},
	{"notag_32k_stereo.mp3", 32000, pcm.LayoutStereo, -1},
	{"id3v1_24k_mono.mp3", 24000, pcm.LayoutMono, -1},
	{"crc_44k_stereo.mp3", 44100, pcm.LayoutStereo, 26460},
	{"tags_24k_joint.mp3", 24000, pcm.LayoutStereo, 19200},
	{"cut_start_44k.mp3", 44100, pcm.LayoutStereo, -1},
	{"junk_start_44k.mp3", 44100, pcm.LayoutStereo, -1},
	{"vbri_32k_stereo.mp3", 32000, pcm.LayoutStereo, 27 * 1152},
	{"xing_short_count_44k.mp3", 44100, pcm.LayoutStereo, 10*1152 - 576 - 612},
}

func TestFixturesMatchFFmpeg(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			dec, err := NewDecoder(bytes.NewReader(audiotest.ReadFixture(t, fx.name)))
			if err != nil {
				t.Fatal(err)
			}
			info := dec.Info()
			if info.Codec != "mp3" || info.SampleRate != fx.rate || info.Layout.String() != fx.layout.String() || info.Frames != fx.frames {
				t.Errorf("info %+v, want rate %d, layout %v, frames %d", info, fx.rate, fx.layout, fx.frames)
			}
			got, err := audiotest.Drain(dec)
			if err != nil {
				t.Fatal(err)
			}
			ref := audiotest.ReadRef(t, filepath.Join("testdata", fx.name+".s16le.gz"), len(fx.layout))
			if len(got[0]) != ref.Frames() {
				t.Errorf("%d frames, ffmpeg %d", len(got[0]), ref.Frames())
			}
			audiotest.CheckSNR(t, ref, got, minSNR)
			for c, q := range audiotest.Quantize(got, 16) {
				if d := audiotest.MaxDiff(ref.Channel(c), q); d > maxDiff {
					t.Errorf("channel %d: a sample differs by %d from ffmpeg's", c, d)
				}
			}
		})
	}
}
