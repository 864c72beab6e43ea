package pcm

import (
	"math"
	"testing"
)

// TestMonoWeightsMatchFFmpeg checks the down-mix against the gains ffmpeg
// 5.1.9 (Debian 12) applies with `-ac 1` into 16-bit output. They were
// measured by feeding a WAV (no channel mask, so ffmpeg's default layout)
// with 16384 on one channel and 0 on the others and reading the mono
// output:
//
//	ffmpeg -i x.wav -ac 1 -f s16le -   →  gain = sample / 16384
func TestMonoWeightsMatchFFmpeg(t *testing.T) {
	want := map[int][]float64{
		1: {1.0},
		2: {0.5, 0.5},
		3: {0.5, 0.5, 0.0},
		4: {0.2427, 0.2427, 0.3431, 0.1716},
		5: {0.2071, 0.2071, 0.2929, 0.1465, 0.1465},
		6: {0.2071, 0.2071, 0.2929, 0.0, 0.1465, 0.1465},
		7: {0.1807, 0.1807, 0.2555, 0.0, 0.1277, 0.1277, 0.1277},
		8: {0.1602, 0.1602, 0.2266, 0.0, 0.1133, 0.1133, 0.1133, 0.1133},
	}
	for n, gains := range want {
		w := MonoWeights(DefaultLayout(n))
		for i, g := range gains {
			// ffmpeg rounds its coefficients to Q15 for 16-bit mixing.
			if math.Abs(float64(w[i])-g) > 1.5/16384+5e-5 {
				t.Errorf("%d channels (%v): weight of channel %d is %.4f, ffmpeg %.4f", n, DefaultLayout(n), i, w[i], g)
			}
		}
	}
}

func TestMonoWeightsOrderAndFallback(t *testing.T) {
	// Vorbis order of 5.1 puts the centre second: its weight follows it.
	v := MonoWeights(VorbisLayout(6))
	d := MonoWeights(DefaultLayout(6))
	if v[1] != d[2] || v[5] != 0 || v[0] != d[0] {
		t.Errorf("vorbis 5.1 weights %v do not follow positions (default order %v)", v, d)
	}
	// No front channel, or an unpaired side: equal weights.
	for _, l := range []Layout{{BackLeft, BackRight}, {FrontLeft, FrontRight, SideLeft}, {Unknown, Unknown, Unknown}, {FrontLeft, FrontLeft}} {
		for i, w := range MonoWeights(l) {
			if w != 1/float32(len(l)) {
				t.Errorf("%v: weight %d is %v, want equal weights", l, i, w)
			}
		}
	}
	if w := MonoWeights(Layout{FrontLeft}); w[0] != 1 {
		t.Errorf("a lone channel is mono whatever its position, weight %v", w[0])
	}
}

func TestMaskLayout(t *testing.T) {
	if got := MaskLayout(0x3F, 6).String(); got != "FL+FR+FC+LFE+BL+BR" {
		t.Errorf("5.1 mask: %s", got)
	}
	if got := MaskLayout(0x4, 2).String(); got != "FC+?" {
		t.Errorf("mask naming fewer channels: %s", got)
	}
	if got := MaskLayout(0x7, 2).String(); got != "FL+FR" {
		t.Errorf("mask naming more channels falls back to the default: %s", got)
	}
}
