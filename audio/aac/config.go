package aac

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Audio object types of ISO/IEC 14496-3 subpart 1 that the decoder names.
const (
	objectMain = 1
	objectLC   = 2
	objectSSR  = 3
	objectLTP  = 4
	objectSBR  = 5
	objectPS   = 29
	objectEsc  = 31
)

// frameLength is the number of samples per channel of one raw_data_block.
const frameLength = 1024

// Sync words of the backward-compatible extension signalling of an
// AudioSpecificConfig (ISO/IEC 14496-3 1.6.5.2).
const (
	syncExtensionSBR = 0x2b7
	syncExtensionPS  = 0x548
)

// sampleRates are the rates of sampling_frequency_index 0–12.
var sampleRates = [13]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// Config is what a decoder needs to know of a stream before its first
// frame: the AudioSpecificConfig that MP4 and Matroska store (ParseConfig)
// or the fields of an ADTS header.
type Config struct {
	// ObjectType is the MPEG-4 audio object type; 2 (AAC-LC) is decoded.
	ObjectType int
	// SampleRate is the output rate in Hz.
	SampleRate int
	// SamplingIndex selects the scale factor band tables: the index of
	// SampleRate in the standard table (0 = 96 kHz … 11 = 8 kHz, 12 =
	// 7350 Hz), or, for other rates, the index of the nearest table rate as
	// ISO/IEC 14496-3 maps rates outside its table.
	SamplingIndex int
	// Channels is the number of output channels.
	Channels int
	// ChannelConfig is the channelConfiguration (1–7), or 0 when a
	// program_config_element gives the channels.
	ChannelConfig int
	// FrameLength is the number of samples per channel of a frame: 1024.
	FrameLength int
	// program is the program_config_element of ChannelConfig 0.
	program *programConfig
}

// Layout returns the speaker position of each output channel, in the
// order Decode returns them.
func (c Config) Layout() pcm.Layout {
	if c.ChannelConfig == 0 && c.program != nil {
		return c.program.layout()
	}
	if c.ChannelConfig >= 1 && c.ChannelConfig < len(configLayouts) {
		return append(pcm.Layout(nil), configLayouts[c.ChannelConfig]...)
	}
	if c.Channels < 1 || c.Channels > pcm.MaxChannels {
		return nil
	}
	return pcm.DefaultLayout(c.Channels)
}

// configLayouts are the positions of the channels of channelConfiguration
// 1–7 (ISO/IEC 14496-3 subpart 1) in the order of the syntactic elements:
// centre, then front pairs from the inside out, then surround pairs, then
// LFE.
var configLayouts = [8]pcm.Layout{
	1: {pcm.FrontCenter},
	2: {pcm.FrontLeft, pcm.FrontRight},
	3: {pcm.FrontCenter, pcm.FrontLeft, pcm.FrontRight},
	4: {pcm.FrontCenter, pcm.FrontLeft, pcm.FrontRight, pcm.BackCenter},
	5: {pcm.FrontCenter, pcm.FrontLeft, pcm.FrontRight, pcm.BackLeft, pcm.BackRight},
	6: {pcm.FrontCenter, pcm.FrontLeft, pcm.FrontRight, pcm.BackLeft, pcm.BackRight, pcm.LowFrequency},
	7: {pcm.FrontCenter, pcm.FrontLeftOfCenter, pcm.FrontRightOfCenter, pcm.FrontLeft, pcm.FrontRight,
		pcm.BackLeft, pcm.BackRight, pcm.LowFrequency},
}

// configElements lists the syntactic elements of channelConfiguration
// 1–7, in bitstream order.
var configElements = [8][]elementType{
	1: {elemSCE},
	2: {elemCPE},
	3: {elemSCE, elemCPE},
	4: {elemSCE, elemCPE, elemSCE},
	5: {elemSCE, elemCPE, elemCPE},
	6: {elemSCE, elemCPE, elemCPE, elemLFE},
	7: {elemSCE, elemCPE, elemCPE, elemCPE, elemLFE},
}

// ParseConfig reads an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), as
// an MP4 esds DecoderSpecificInfo or Matroska CodecPrivate holds it. AAC-LC
// is accepted; other object types, HE-AAC signalled explicitly (object
// type 5 or 29, or an SBR extension after sync word 0x2b7), 960-sample
// frames and channel configurations beyond 7 give errors wrapping
// pcm.ErrUnsupported; a config that breaks the syntax gives one wrapping
// pcm.ErrMalformed.
func ParseConfig(asc []byte) (Config, error) {
	b := newBitReader(asc)
	var c Config
	c.ObjectType = readObjectType(&b)
	var err error
	c.SamplingIndex, c.SampleRate, err = readSamplingFrequency(&b)
	if err != nil {
		return Config{}, err
	}
	c.ChannelConfig = int(b.read(4))
	if b.overrun() {
		return Config{}, fmt.Errorf("aac: AudioSpecificConfig of %d bytes is truncated: %w", len(asc), pcm.ErrMalformed)
	}
	switch c.ObjectType {
	case objectSBR:
		return Config{}, fmt.Errorf("aac: HE-AAC (SBR, object type 5): %w", pcm.ErrUnsupported)
	case objectPS:
		return Config{}, fmt.Errorf("aac: HE-AACv2 (parametric stereo, object type 29): %w", pcm.ErrUnsupported)
	case objectLC:
	default:
		return Config{}, objectTypeError(c.ObjectType)
	}
	// GASpecificConfig (ISO/IEC 14496-3 subpart 4).
	if b.readBool() {
		return Config{}, fmt.Errorf("aac: 960-sample frames: %w", pcm.ErrUnsupported)
	}
	c.FrameLength = frameLength
	if b.readBool() { // dependsOnCoreCoder
		b.skip(14) // coreCoderDelay
	}
	extension := b.readBool()
	if c.ChannelConfig == 0 {
		p, err := readProgramConfig(&b)
		if err != nil {
			return Config{}, err
		}
		c.program = p
	}
	if extension {
		b.skip(1) // extensionFlag3, reserved
	}
	if b.overrun() {
		return Config{}, fmt.Errorf("aac: AudioSpecificConfig of %d bytes is truncated: %w", len(asc), pcm.ErrMalformed)
	}
	// Backward-compatible signalling of SBR and PS after the LC config.
	if b.left() >= 16 && b.peek(11) == syncExtensionSBR {
		b.skip(11)
		ext := readObjectType(&b)
		if ext == objectSBR && b.readBool() {
			return Config{}, fmt.Errorf("aac: HE-AAC (SBR signalled in the AudioSpecificConfig extension): %w", pcm.ErrUnsupported)
		}
		if ext == 22 && b.readBool() {
			return Config{}, fmt.Errorf("aac: ER BSAC with SBR: %w", pcm.ErrUnsupported)
		}
	}
	switch {
	case c.ChannelConfig == 0:
		c.Channels = c.program.channels()
	case c.ChannelConfig < len(configLayouts):
		c.Channels = len(configLayouts[c.ChannelConfig])
	default:
		return Config{}, fmt.Errorf("aac: channel configuration %d: %w", c.ChannelConfig, pcm.ErrUnsupported)
	}
	return c, nil
}

// readObjectType reads GetAudioObjectType().
func readObjectType(b *bitReader) int {
	t := int(b.read(5))
	if t == objectEsc {
		t = 32 + int(b.read(6))
	}
	return t
}

// readSamplingFrequency reads a sampling_frequency_index and, for the
// escape value 15, the explicit 24-bit rate. It returns the index of the
// scale factor band tables and the rate.
func readSamplingFrequency(b *bitReader) (index, rate int, err error) {
	index = int(b.read(4))
	switch {
	case index < len(sampleRates):
		return index, sampleRates[index], nil
	case index == 15:
		rate = int(b.read(24))
		if rate < pcm.MinSampleRate || rate > pcm.MaxSampleRate {
			return 0, 0, fmt.Errorf("aac: sample rate of %d Hz is out of range: %w", rate, pcm.ErrMalformed)
		}
		return nearestSamplingIndex(rate), rate, nil
	}
	return 0, 0, fmt.Errorf("aac: reserved sampling frequency index %d: %w", index, pcm.ErrMalformed)
}

// nearestSamplingIndex maps a rate outside the standard table to the index
// whose scale factor band tables it uses, as ISO/IEC 14496-3 prescribes.
func nearestSamplingIndex(rate int) int {
	bounds := [...]int{92017, 75132, 55426, 46009, 37566, 27713, 23004, 18783, 13856, 11502, 9391}
	for i, lo := range bounds {
		if rate >= lo {
			return i
		}
	}
	return 11
}

// objectTypeError names an audio object type that is not decoded.
func objectTypeError(t int) error {
	names := map[int]string{
		0: "null", objectMain: "AAC Main", objectSSR: "AAC SSR", objectLTP: "AAC LTP",
		6: "AAC Scalable", 7: "TwinVQ", 8: "CELP", 9: "HVXC", 17: "ER AAC-LC", 19: "ER AAC LTP",
		20: "ER AAC Scalable", 21: "ER TwinVQ", 22: "ER BSAC", 23: "ER AAC-LD", 24: "ER CELP",
		25: "ER HVXC", 26: "ER HILN", 27: "ER Parametric", 32: "MPEG-1/2 Layer 1",
		33: "MPEG-1/2 Layer 2", 34: "MPEG-1/2 Layer 3", 36: "ALS", 37: "SLS", 39: "ER AAC-ELD",
		42: "USAC",
	}
	if t == 0 {
		return fmt.Errorf("aac: audio object type 0 (null): %w", pcm.ErrMalformed)
	}
	if n, ok := names[t]; ok {
		return fmt.Errorf("aac: audio object type %d (%s): %w", t, n, pcm.ErrUnsupported)
	}
	return fmt.Errorf("aac: audio object type %d: %w", t, pcm.ErrUnsupported)
}
