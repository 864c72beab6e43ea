package aac

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Window sequences.
const (
	onlyLongSequence   = 0
	longStartSequence  = 1
	eightShortSequence = 2
	longStopSequence   = 3
)

// Window shapes.
const (
	shapeSine = 0
	shapeKBD  = 1
)

// Codebook numbers of section data with a meaning of their own.
const (
	zeroHCB       = 0
	escHCB        = 11
	reservedHCB   = 12
	noiseHCB      = 13
	intensityHCB2 = 14 // intensity stereo, out of phase
	intensityHCB  = 15 // intensity stereo, in phase
)

// maxBands is the room for scale factor band data of one channel: 8
// window groups of up to 15 short bands, or one group of up to 51 long ones.
const maxBands = 8 * 16

// icsInfo is the ics_info of a channel: how its frame is windowed and
// grouped.
type icsInfo struct {
	windowSequence uint8
	windowShape    uint8
	maxSFB         int
	numWindows     int
	numGroups      int
	groupLen       [8]int
	swb            []uint16 // band offsets of the window length
	numSWB         int
}

// short reports whether the frame is eight short windows.
func (in *icsInfo) short() bool { return in.windowSequence == eightShortSequence }

// icStream is one individual_channel_stream as parsed: its side
// information and its dequantized spectrum, in the spectral buffer of the
// output channel it belongs to.
type icStream struct {
	info       icsInfo
	globalGain int
	// bandType is the codebook of band sfb of group g at [g*16+sfb] for
	// short windows, [sfb] for long ones.
	bandType [maxBands]uint8
	// gain is, per band, the dequantization gain 2^((sf-100)/4) for
	// spectral codebooks, the intensity scale 2^(-position/4) for
	// intensity bands, and the noise energy 2^(energy/4) for PNS bands
	// (all but intensity scaled to full scale 1).
	gain [maxBands]float32
	tns  tnsData
	spec *[frameLength]float32
}

// bandIndex returns the index of band sfb of group g in bandType and gain.
func bandIndex(g, sfb int) int { return g*16 + sfb }

// malformed returns an error wrapping pcm.ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("aac: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupported returns an error wrapping pcm.ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("aac: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}

// readICSInfo reads ics_info.
func (d *Decoder) readICSInfo(b *bitReader, in *icsInfo) error {
	if b.readBool() {
		return malformed("ics_info reserved bit is set")
	}
	in.windowSequence = uint8(b.read(2))
	in.windowShape = uint8(b.read(1))
	if in.short() {
		in.maxSFB = int(b.read(4))
		grouping := b.read(7)
		in.numWindows = 8
		in.numGroups = 1
		in.groupLen = [8]int{1}
		for w := 1; w < 8; w++ {
			if grouping&(1<<(7-w)) != 0 {
				in.groupLen[in.numGroups-1]++
			} else {
				in.groupLen[in.numGroups] = 1
				in.numGroups++
			}
		}
		in.swb = d.swb.short
	} else {
		in.maxSFB = int(b.read(6))
		in.numWindows = 1
		in.numGroups = 1
		in.groupLen = [8]int{1}
		in.swb = d.swb.long
		if b.readBool() {
			return malformed("prediction data in an AAC-LC stream")
		}
	}
	switch in.windowSequence {
	case eightShortSequence:
		d.used |= toolShortWindows
	case longStartSequence, longStopSequence:
		d.used |= toolStartStop
	}
	if in.windowShape == shapeKBD {
		d.used |= toolKBD
	}
	in.numSWB = len(in.swb) - 1
	if in.maxSFB > in.numSWB {
		return malformed("max_sfb %d exceeds the %d scale factor bands", in.maxSFB, in.numSWB)
	}
	return nil
}

// readICS reads an individual_channel_stream into s, whose spec points at
// the channel's buffer, and dequantizes its spectrum. With commonWindow,
// s.info is already set.
func (d *Decoder) readICS(b *bitReader, s *icStream, commonWindow bool) error {
	s.globalGain = int(b.read(8))
	if !commonWindow {
		if err := d.readICSInfo(b, &s.info); err != nil {
			return err
		}
	}
	if err := d.readSectionData(b, s); err != nil {
		return err
	}
	if err := d.readScaleFactors(b, s); err != nil {
		return err
	}
	var pulses pulseData
	if b.readBool() {
		if s.info.short() {
			return malformed("pulse data in a short-window frame")
		}
		if err := pulses.read(b, &s.info); err != nil {
			return err
		}
		d.used |= toolPulse
	}
	s.tns.present = b.readBool()
	if s.tns.present {
		if err := s.tns.read(b, &s.info); err != nil {
			return err
		}
		d.used |= toolTNS
	}
	if b.readBool() {
		return unsupported("gain control data (AAC SSR)")
	}
	if err := d.readSpectralData(b, s, &pulses); err != nil {
		return err
	}
	if b.overrun() {
		return malformed("channel stream overruns the frame")
	}
	return nil
}

// readSectionData reads section_data: the codebook of each band.
func (d *Decoder) readSectionData(b *bitReader, s *icStream) error {
	in := &s.info
	bits, esc := uint(5), uint32(31)
	if in.short() {
		bits, esc = 3, 7
	}
	for g := range in.numGroups {
		for k := 0; k < in.maxSFB; {
			cb := uint8(b.read(4))
			if cb == reservedHCB {
				return malformed("reserved codebook 12 in section data")
			}
			n := 0
			for {
				inc := b.read(bits)
				n += int(inc)
				if inc != esc {
					break
				}
				if b.overrun() {
					return malformed("section data overruns the frame")
				}
			}
			if k+n > in.maxSFB {
				return malformed("section runs to band %d, past max_sfb %d", k+n, in.maxSFB)
			}
			if b.overrun() {
				return malformed("section data overruns the frame")
			}
			for i := range n {
				s.bandType[bandIndex(g, k+i)] = cb
			}
			k += n
		}
	}
	return nil
}

// readScaleFactors reads scale_factor_data and turns each band's scale
// factor, intensity position or noise energy into its gain.
func (d *Decoder) readScaleFactors(b *bitReader, s *icStream) error {
	in := &s.info
	sf := s.globalGain
	isPos := 0
	noise := s.globalGain - noiseOffset
	firstNoise := true
	sfTable := &d.tables.books.scalefactor
	for g := range in.numGroups {
		for sfb := range in.maxSFB {
			i := bandIndex(g, sfb)
			switch s.bandType[i] {
			case zeroHCB:
				s.gain[i] = 0
			case intensityHCB, intensityHCB2:
				d.used |= toolIntensity
				isPos += sfTable.decode(b) - 60
				p := min(max(isPos, -155), 100)
				s.gain[i] = d.tables.pow2(-p)
			case noiseHCB:
				d.used |= toolNoise
				if firstNoise {
					firstNoise = false
					noise += int(b.read(9)) - 256
				} else {
					noise += sfTable.decode(b) - 60
				}
				p := min(max(noise, -155), 100)
				s.gain[i] = d.tables.pow2(p) * outputScale
			default:
				sf += sfTable.decode(b) - 60
				if sf < 0 || sf > 255 {
					return malformed("scale factor %d out of range", sf)
				}
				s.gain[i] = d.tables.pow2(sf-100) * outputScale
			}
		}
	}
	return nil
}

// noiseOffset is subtracted from global_gain to start the PNS energies.
const noiseOffset = 90
