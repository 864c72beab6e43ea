package aac

import "math"

// pnsSeed is the first state of the noise generator of every decoder, so
// that decoding is deterministic. It is the seed ffmpeg's AAC decoder
// uses, so that noise bands come out as ffmpeg decodes them.
const pnsSeed = 0x1f2e3d4c

// nextNoise returns the state after s of the decoder's noise generator, a
// 32-bit linear congruential generator (Numerical Recipes' constants),
// whose values are its states as signed integers.
func nextNoise(s uint32) uint32 { return s*1664525 + 1013904223 }

// fillNoise fills the channel's noise bands (perceptual noise
// substitution, ISO/IEC 14496-3 subpart 4) with random lines scaled to the
// band's energy, window by window.
//
// Each channel draws its own noise, also where the M/S mask of a pair
// marks a band that both channels code as noise, for which the
// specification asks for the same noise in both channels. ffmpeg 5.1
// draws independent noise there too; with the same generator and seed as
// ffmpeg, the decoder's noise then matches ffmpeg's sample for sample.
func (d *Decoder) fillNoise(s *icStream) {
	in := &s.info
	win := 0
	for g := range in.numGroups {
		for sfb := range in.maxSFB {
			i := bandIndex(g, sfb)
			if s.bandType[i] != noiseHCB {
				continue
			}
			lo, hi := int(in.swb[sfb]), int(in.swb[sfb+1])
			for w := range in.groupLen[g] {
				base := (win + w) * 128
				band := s.spec[base+lo : base+hi]
				energy := float32(0)
				state := d.noise
				for k := range band {
					state = nextNoise(state)
					v := float32(int32(state))
					band[k] = v
					energy += v * v
				}
				d.noise = state
				if energy == 0 {
					continue
				}
				scale := s.gain[i] / float32(math.Sqrt(float64(energy)))
				for k := range band {
					band[k] *= scale
				}
			}
		}
		win += in.groupLen[g]
	}
}
