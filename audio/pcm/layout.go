package pcm

import (
	"math"
	"strings"
)

// Channel is the speaker position of one channel. The first 18 positions
// are numbered as the bits of WAVE_FORMAT_EXTENSIBLE's channel mask and as
// ffmpeg's AV_CHAN_* values.
type Channel uint8

// Speaker positions.
const (
	FrontLeft Channel = iota
	FrontRight
	FrontCenter
	LowFrequency
	BackLeft
	BackRight
	FrontLeftOfCenter
	FrontRightOfCenter
	BackCenter
	SideLeft
	SideRight
	TopCenter
	TopFrontLeft
	TopFrontCenter
	TopFrontRight
	TopBackLeft
	TopBackCenter
	TopBackRight
	// Unknown is a channel whose position the stream does not say.
	Unknown Channel = 255
)

var channelNames = [...]string{"FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR",
	"TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR"}

// String returns ffmpeg's short name of the position ("FL", "LFE", ...).
func (c Channel) String() string {
	if int(c) < len(channelNames) {
		return channelNames[c]
	}
	return "?"
}

// Layout is the position of each channel of a stream, in stream order.
type Layout []Channel

// String returns the positions joined by "+", as ffmpeg prints a layout.
func (l Layout) String() string {
	s := make([]string, len(l))
	for i, c := range l {
		s[i] = c.String()
	}
	return strings.Join(s, "+")
}

// Common layouts.
var (
	LayoutMono   = Layout{FrontCenter}
	LayoutStereo = Layout{FrontLeft, FrontRight}
)

// MaskLayout returns the layout of n channels described by a
// WAVE_FORMAT_EXTENSIBLE channel mask: the set bits in increasing order,
// then Unknown for channels the mask does not cover (as ffmpeg reads a WAV
// whose mask names fewer positions than it has channels). A zero mask, or
// one naming more positions than n, gives DefaultLayout(n).
func MaskLayout(mask uint32, n int) Layout {
	if mask == 0 || bitsSet(mask) > n {
		return DefaultLayout(n)
	}
	l := make(Layout, 0, n)
	for b := range 32 {
		if mask&(1<<b) != 0 {
			if b < len(channelNames) {
				l = append(l, Channel(b))
			} else {
				l = append(l, Unknown)
			}
		}
	}
	for len(l) < n {
		l = append(l, Unknown)
	}
	return l
}

func bitsSet(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// DefaultLayout is the layout ffmpeg (5.1, av_channel_layout_default)
// assumes for n channels when the stream does not say: mono, stereo, 2.1,
// 4.0, 5.0, 5.1, 6.1, 7.1; other counts have no default and are all
// Unknown.
func DefaultLayout(n int) Layout {
	switch n {
	case 1:
		return Layout{FrontCenter}
	case 2:
		return Layout{FrontLeft, FrontRight}
	case 3:
		return Layout{FrontLeft, FrontRight, LowFrequency}
	case 4:
		return Layout{FrontLeft, FrontRight, FrontCenter, BackCenter}
	case 5:
		return Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight}
	case 6:
		return Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight}
	case 7:
		return Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackCenter, SideLeft, SideRight}
	case 8:
		return Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, SideLeft, SideRight}
	}
	l := make(Layout, max(n, 0))
	for i := range l {
		l[i] = Unknown
	}
	return l
}

// VorbisLayout is the channel order of the Vorbis I specification (section
// 4.3.9) for n ≤ 8 channels, which Opus's channel mapping family 1 shares;
// larger counts are all Unknown.
func VorbisLayout(n int) Layout {
	switch n {
	case 1:
		return Layout{FrontCenter}
	case 2:
		return Layout{FrontLeft, FrontRight}
	case 3:
		return Layout{FrontLeft, FrontCenter, FrontRight}
	case 4:
		return Layout{FrontLeft, FrontRight, BackLeft, BackRight}
	case 5:
		return Layout{FrontLeft, FrontCenter, FrontRight, BackLeft, BackRight}
	case 6:
		return Layout{FrontLeft, FrontCenter, FrontRight, BackLeft, BackRight, LowFrequency}
	case 7:
		return Layout{FrontLeft, FrontCenter, FrontRight, SideLeft, SideRight, BackCenter, LowFrequency}
	case 8:
		return Layout{FrontLeft, FrontCenter, FrontRight, SideLeft, SideRight, BackLeft, BackRight, LowFrequency}
	}
	return DefaultLayout(n)
}

// MonoWeights returns, for each channel of l, its weight in the mono
// down-mix, as ffmpeg's `-ac 1` computes it into 16-bit output (libswresample
// auto_matrix with the default centre and surround levels of -3 dB and an
// LFE level of 0, normalised so the weights sum to at most 1): the front
// pair at 1/√2 each, the centre at 1, back, side and back-centre channels
// at 1/2, front-of-centre channels at 1/√2, LFE and height channels at 0,
// all divided by their sum. This is the level OpenAI's Whisper sees, as its
// load_audio asks ffmpeg for 16-bit mono. A layout ffmpeg refuses to
// down-mix (no front channel, an unpaired left or right, Unknown positions)
// gets equal weights.
func MonoWeights(l Layout) []float32 {
	w := make([]float32, len(l))
	if len(l) == 0 {
		return w
	}
	if len(l) == 1 {
		w[0] = 1
		return w
	}
	var has [len(channelNames)]bool
	sane := true
	for _, c := range l {
		if int(c) >= len(has) {
			sane = false
			break
		}
		if has[c] {
			sane = false // the same position twice
			break
		}
		has[c] = true
	}
	pair := func(a, b Channel) bool { return has[a] == has[b] }
	if !sane || !(has[FrontLeft] || has[FrontRight] || has[FrontCenter]) ||
		!pair(FrontLeft, FrontRight) || !pair(SideLeft, SideRight) ||
		!pair(BackLeft, BackRight) || !pair(FrontLeftOfCenter, FrontRightOfCenter) {
		for i := range w {
			w[i] = 1 / float32(len(l))
		}
		return w
	}
	const half = 0.5 // surround level (1/√2) × 1/√2
	var coef [len(channelNames)]float64
	coef[FrontCenter] = 1
	coef[FrontLeft], coef[FrontRight] = math.Sqrt2/2, math.Sqrt2/2
	coef[BackCenter] = half
	coef[BackLeft], coef[BackRight] = half, half
	coef[SideLeft], coef[SideRight] = half, half
	coef[FrontLeftOfCenter], coef[FrontRightOfCenter] = math.Sqrt2/2, math.Sqrt2/2
	sum := 0.0
	for _, c := range l {
		sum += coef[c]
	}
	for i, c := range l {
		if sum > 1 {
			w[i] = float32(coef[c] / sum)
		} else {
			w[i] = float32(coef[c])
		}
	}
	return w
}
