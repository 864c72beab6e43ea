package vorbis_test

import (
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// minSNR is the accuracy bound against ffmpeg's native Vorbis decoder, in dB
// per channel on 16-bit output. Both decoders are float implementations of
// the specification, so the difference is rounding; ~100 dB is typical.
const minSNR = 90

// fixtures are the files testdata/make.sh writes.
var fixtures = []struct {
	name     string
	rate     int
	channels int
}{
	{"q5-44k-stereo.ogg", 44100, 2},
	{"q0-16k-mono.ogg", 16000, 1},
	{"qm1-8k-mono.ogg", 8000, 1},
	{"q8-48k-stereo.ogg", 48000, 2},
	{"q3-24k-5.1.ogg", 24000, 6},
	{"q4-22k-stereo-gaps.ogg", 22050, 2},
}

// ffmpegOrder is the channel order of ffmpeg's Vorbis decoder output for
// the channel counts of the fixtures.
func ffmpegOrder(n int) pcm.Layout { return pcm.DefaultLayout(n) }

// CompareToReference decodes an Ogg Vorbis file and checks it against
// ffmpeg's decode: the frame count exactly, and each channel (matched by
// speaker position) by SNR. It returns the lowest SNR.
func compareToReference(t *testing.T, path string, rate, channels int) float64 {
	t.Helper()
	dec, err := ogg.NewDecoder(audiotest.Open(t, path))
	if err != nil {
		t.Fatal(err)
	}
	info := dec.Info()
	if info.Codec != "ogg/vorbis" || info.SampleRate != rate || info.Layout.String() != pcm.VorbisLayout(channels).String() {
		t.Errorf("Info %+v, want ogg/vorbis at %d Hz, layout %v", info, rate, pcm.VorbisLayout(channels))
	}
	got, err := audiotest.Drain(dec)
	if err != nil {
		t.Fatal(err)
	}
	ref := audiotest.ReadRef(t, path+".s16le.gz", channels)
	if len(got[0]) != ref.Frames() {
		t.Errorf("%d frames, ffmpeg %d", len(got[0]), ref.Frames())
	}
	if info.Frames != int64(ref.Frames()) {
		t.Errorf("Info.Frames %d, ffmpeg decodes %d", info.Frames, ref.Frames())
	}
	q := audiotest.Quantize(got, 16)
	order := ffmpegOrder(channels)
	worst := 1e9
	for c, pos := range info.Layout {
		rc := -1
		for i, p := range order {
			if p == pos {
				rc = i
			}
		}
		if rc < 0 {
			t.Fatalf("channel %d (%v) has no counterpart in ffmpeg's layout %v", c, pos, order)
		}
		snr := audiotest.SNR(ref.Channel(rc), q[c])
		if snr < minSNR {
			t.Errorf("channel %d (%v): SNR %.1f dB against ffmpeg, want ≥ %d (max difference %d)", c, pos, snr, minSNR, audiotest.MaxDiff(ref.Channel(rc), q[c]))
		}
		worst = min(worst, snr)
	}
	return worst
}

func TestFixturesMatchFFmpeg(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			worst := compareToReference(t, filepath.Join("testdata", fx.name), fx.rate, fx.channels)
			t.Logf("lowest channel SNR %.1f dB", worst)
		})
	}
}
