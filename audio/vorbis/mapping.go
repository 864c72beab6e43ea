package vorbis

// A mapping (section 4.2.4, type 0) routes each channel to a submap, whose
// floor and residue decode it, and lists the square-polar coupling steps.
type mapping struct {
	magnitude, angle []uint8 // coupling steps
	mux              []uint8 // submap of each channel
	submapFloor      []uint8
	submapResidue    []uint8
}

// A mode (section 4.2.4) selects the block size and mapping of a packet.
type mode struct {
	long    bool
	mapping int
}

// readMapping reads a mapping configuration.
func readMapping(br *bitReader, channels, floors, residues int) (*mapping, error) {
	if t := br.read(16); t != 0 {
		return nil, malformed("mapping type %d, only 0 exists", t)
	}
	m := &mapping{}
	submaps := 1
	if br.flag() {
		submaps = int(br.read(4)) + 1
	}
	if br.flag() {
		steps := int(br.read(8)) + 1
		bits := ilog(channels - 1)
		m.magnitude = make([]uint8, steps)
		m.angle = make([]uint8, steps)
		for i := range steps {
			mag, ang := int(br.read(bits)), int(br.read(bits))
			if br.eop {
				return nil, errEOPSetup
			}
			if mag == ang || mag >= channels || ang >= channels {
				return nil, malformed("coupling step of channels %d and %d in a stream of %d", mag, ang, channels)
			}
			m.magnitude[i], m.angle[i] = uint8(mag), uint8(ang)
		}
	}
	if br.read(2) != 0 {
		return nil, malformed("mapping reserved field is not 0")
	}
	m.mux = make([]uint8, channels)
	if submaps > 1 {
		for i := range m.mux {
			m.mux[i] = uint8(br.read(4))
			if int(m.mux[i]) >= submaps {
				return nil, malformed("channel %d mapped to submap %d of %d", i, m.mux[i], submaps)
			}
		}
	}
	m.submapFloor = make([]uint8, submaps)
	m.submapResidue = make([]uint8, submaps)
	for i := range submaps {
		br.read(8) // unused time configuration
		m.submapFloor[i] = uint8(br.read(8))
		m.submapResidue[i] = uint8(br.read(8))
		if br.eop {
			return nil, errEOPSetup
		}
		if int(m.submapFloor[i]) >= floors {
			return nil, malformed("submap floor %d of %d", m.submapFloor[i], floors)
		}
		if int(m.submapResidue[i]) >= residues {
			return nil, malformed("submap residue %d of %d", m.submapResidue[i], residues)
		}
	}
	if br.eop {
		return nil, errEOPSetup
	}
	return m, nil
}
