package vorbis

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxSetupMemory bounds the tables one stream's setup header may make the
// decoder build (codebooks above all: a few bytes can declare a codebook
// of 2^24 entries). Real encoders need well under 1 MiB.
const maxSetupMemory = 16 << 20

// budget counts the bytes of setup tables against maxSetupMemory.
type budget struct{ used int64 }

// charge books n more bytes of tables, or fails with ErrUnsupported.
func (b *budget) charge(n int64, what string) error {
	if n < 0 || b.used+n > maxSetupMemory {
		return fmt.Errorf("vorbis: setup header needs more than %d MiB of tables (%s): %w", maxSetupMemory>>20, what, pcm.ErrUnsupported)
	}
	b.used += n
	return nil
}

// release returns n bytes to the budget.
func (b *budget) release(n int64) { b.used -= n }

// A floor decodes and applies one channel's spectral envelope.
type floor interface {
	// decode reads the channel's floor from the packet into st and
	// reports whether the channel is used in this packet.
	decode(br *bitReader, books []codebook, st *channelFloor) bool
	// apply multiplies the spectrum v (half a block) by the floor
	// decoded into st.
	apply(st *channelFloor, v []float32)
}

// channelFloor is one channel's decoded floor.
type channelFloor struct {
	ys, final [floor1MaxValues]int // floor 1
	step2     [floor1MaxValues]bool
	amp       int       // floor 0
	coef      []float32 // floor 0 LSP coefficients, capacity 255
}

// setup is the decode configuration of the setup header (section 4.2.4).
type setup struct {
	books    []codebook
	floors   []floor
	residues []*residue
	mappings []*mapping
	modes    []mode
}

// parseSetup reads the setup header for a stream of the given
// identification.
func parseSetup(p []byte, id identification) (*setup, error) {
	if err := checkHeader(p, packetSetup, "setup"); err != nil {
		return nil, err
	}
	var br bitReader
	br.reset(p[7:])
	var mem budget
	s := &setup{}

	s.books = make([]codebook, br.read(8)+1)
	for i := range s.books {
		c, err := readCodebook(&br, &mem)
		if err != nil {
			return nil, err
		}
		s.books[i] = c
	}

	times := int(br.read(6)) + 1
	for range times {
		if br.read(16) != 0 {
			return nil, malformed("time domain transform type is not 0")
		}
	}

	s.floors = make([]floor, br.read(6)+1)
	for i := range s.floors {
		var err error
		switch t := br.read(16); t {
		case 0:
			s.floors[i], err = readFloor0(&br, s.books, id.blocksizes)
		case 1:
			s.floors[i], err = readFloor1(&br, s.books)
		default:
			if br.eop {
				return nil, errEOPSetup
			}
			return nil, malformed("floor type %d, only 0 and 1 exist", t)
		}
		if err != nil {
			return nil, err
		}
	}

	s.residues = make([]*residue, br.read(6)+1)
	for i := range s.residues {
		t := int(br.read(16))
		if br.eop {
			return nil, errEOPSetup
		}
		if t > 2 {
			return nil, malformed("residue type %d, only 0, 1 and 2 exist", t)
		}
		r, err := readResidue(&br, t, s.books)
		if err != nil {
			return nil, err
		}
		s.residues[i] = r
	}

	s.mappings = make([]*mapping, br.read(6)+1)
	for i := range s.mappings {
		m, err := readMapping(&br, id.channels, len(s.floors), len(s.residues))
		if err != nil {
			return nil, err
		}
		s.mappings[i] = m
	}

	s.modes = make([]mode, br.read(6)+1)
	for i := range s.modes {
		s.modes[i].long = br.flag()
		window, transform := br.read(16), br.read(16)
		s.modes[i].mapping = int(br.read(8))
		if br.eop {
			return nil, errEOPSetup
		}
		if window != 0 || transform != 0 {
			return nil, malformed("mode window type %d and transform type %d, only 0 exists", window, transform)
		}
		if s.modes[i].mapping >= len(s.mappings) {
			return nil, malformed("mode mapping %d of %d", s.modes[i].mapping, len(s.mappings))
		}
	}
	if !br.flag() {
		if br.eop {
			return nil, errEOPSetup
		}
		return nil, malformed("setup header framing bit is not set")
	}
	return s, nil
}
