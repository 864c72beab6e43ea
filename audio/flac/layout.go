package flac

import (
	"math/bits"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// channelMaskField is the Vorbis comment field that overrides the default
// channel layout (RFC 9639 section 8.6.2).
const channelMaskField = "WAVEFORMATEXTENSIBLE_CHANNEL_MASK"

// maxMaskBits is the mask of the speaker positions a channel mask may name:
// the 18 of WAVE_FORMAT_EXTENSIBLE. ffmpeg ignores masks with others.
const maxMaskBits = 1<<18 - 1

// defaultLayouts is the layout of 1 to 8 channels of a FLAC stream without
// a channel mask, as ffmpeg 5.1 reports them (ffprobe: mono, stereo, 3.0,
// quad, 5.0(side), 5.1(side), 6.1, 7.1). RFC 9639 section 9.1.3 calls the
// fourth and fifth channels of 5 and 6-channel streams "back/surround";
// ffmpeg takes them as side channels, which this package follows.
var defaultLayouts = [8]pcm.Layout{
	{pcm.FrontCenter},
	{pcm.FrontLeft, pcm.FrontRight},
	{pcm.FrontLeft, pcm.FrontRight, pcm.FrontCenter},
	{pcm.FrontLeft, pcm.FrontRight, pcm.BackLeft, pcm.BackRight},
	{pcm.FrontLeft, pcm.FrontRight, pcm.FrontCenter, pcm.SideLeft, pcm.SideRight},
	{pcm.FrontLeft, pcm.FrontRight, pcm.FrontCenter, pcm.LowFrequency, pcm.SideLeft, pcm.SideRight},
	{pcm.FrontLeft, pcm.FrontRight, pcm.FrontCenter, pcm.LowFrequency, pcm.BackCenter, pcm.SideLeft, pcm.SideRight},
	{pcm.FrontLeft, pcm.FrontRight, pcm.FrontCenter, pcm.LowFrequency, pcm.BackLeft, pcm.BackRight, pcm.SideLeft, pcm.SideRight},
}

// layoutOf returns the layout of a stream of n (1 to 8) channels with the
// given WAVEFORMATEXTENSIBLE_CHANNEL_MASK value (ok false when there is
// none), the way ffmpeg 5.1 decides it: the mask's positions in increasing
// bit order when the mask is valid (non-zero, only the 18 positions) and
// names exactly n positions, else the default layout.
func layoutOf(n int, mask uint64, ok bool) pcm.Layout {
	if ok && mask != 0 && mask&^maxMaskBits == 0 && bits.OnesCount64(mask) == n {
		return pcm.MaskLayout(uint32(mask), n)
	}
	return append(pcm.Layout(nil), defaultLayouts[n-1]...)
}

// parseMask reads a channel mask value as ffmpeg does, with C's strtol in
// base 0: optional white space and sign, then "0x" and hexadecimal digits,
// "0" and octal ones, or decimal ones, up to the first other character.
// Negative values and values above maxMaskBits give ok false, as does a
// value without digits (which strtol reads as 0).
func parseMask(s string) (uint64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := uint64(10)
	switch {
	case i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digit(s[i+2], 16) >= 0:
		base = 16
		i += 2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	var v uint64
	for ; i < len(s); i++ {
		d := digit(s[i], base)
		if d < 0 {
			break
		}
		v = v*base + uint64(d)
		if v > maxMaskBits {
			return 0, false
		}
	}
	if neg || v == 0 {
		return 0, false
	}
	return v, true
}

// digit returns the value of c as a digit in base, or -1.
func digit(c byte, base uint64) int {
	var d int
	switch {
	case c >= '0' && c <= '9':
		d = int(c - '0')
	case c >= 'a' && c <= 'f':
		d = int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		d = int(c-'A') + 10
	default:
		return -1
	}
	if uint64(d) >= base {
		return -1
	}
	return d
}
