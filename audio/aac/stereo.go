package aac

// M/S mask modes of a channel_pair_element.
const (
	msNone     = 0
	msPerBand  = 1
	msAllBands = 2
)

// applyMidSide turns mid/side bands of a common-window pair back into
// left and right (ISO/IEC 14496-3 subpart 4). Bands coded with noise or
// intensity are left alone.
func (d *Decoder) applyMidSide(l, r *icStream, mode int) {
	if mode == msNone {
		return
	}
	in := &l.info
	win := 0
	for g := range in.numGroups {
		for sfb := range in.maxSFB {
			i := bandIndex(g, sfb)
			if mode == msPerBand && !d.msUsed[i] {
				continue
			}
			if l.bandType[i] >= noiseHCB || r.bandType[i] >= noiseHCB {
				continue
			}
			lo, hi := int(in.swb[sfb]), int(in.swb[sfb+1])
			for w := range in.groupLen[g] {
				base := (win + w) * 128
				ls, rs := l.spec[base+lo:base+hi], r.spec[base+lo:base+hi]
				for k := range ls {
					m, s := ls[k], rs[k]
					ls[k], rs[k] = m+s, m-s
				}
			}
		}
		win += in.groupLen[g]
	}
}

// applyIntensity fills the right channel's intensity bands from the left
// channel (ISO/IEC 14496-3 subpart 4): scaled by 2^(-position/4), in or out
// of phase by the codebook, the phase inverted where the M/S mask is set.
//
// The specification's invert_intensity inverts only where a band-by-band
// mask (ms_mask_present 1) is set; ffmpeg 5.1, whose encoder writes mask
// mode 2 when every band's bit is set, intensity bands included, inverts
// under mode 2 too. The decoder follows ffmpeg, whose encoder is the one
// known to use intensity stereo; a spec-following decoder (faad) differs
// from ffmpeg on such streams.
func (d *Decoder) applyIntensity(l, r *icStream, mode int) {
	in := &r.info
	win := 0
	for g := range in.numGroups {
		for sfb := range in.maxSFB {
			i := bandIndex(g, sfb)
			cb := r.bandType[i]
			if cb != intensityHCB && cb != intensityHCB2 {
				continue
			}
			scale := r.gain[i]
			if cb == intensityHCB2 {
				scale = -scale
			}
			if mode == msAllBands || mode == msPerBand && d.msUsed[i] {
				scale = -scale
			}
			lo, hi := int(in.swb[sfb]), int(in.swb[sfb+1])
			for w := range in.groupLen[g] {
				base := (win + w) * 128
				ls, rs := l.spec[base+lo:base+hi], r.spec[base+lo:base+hi]
				for k := range rs {
					rs[k] = ls[k] * scale
				}
			}
		}
		win += in.groupLen[g]
	}
}
