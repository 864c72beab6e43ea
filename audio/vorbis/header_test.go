package vorbis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// fixtureHeaders returns the header packets and the first audio packets of
// a fixture.
func fixtureHeaders(t testing.TB, name string) (ident, comment, setup []byte, audio [][]byte) {
	p := readPackets(t, "testdata/"+name)
	return p[0], p[1], p[2], p[3:]
}

func TestIdentificationChecks(t *testing.T) {
	ident, comment, setup, _ := fixtureHeaders(t, "q5-44k-stereo.ogg")
	mut := func(f func(p []byte) []byte) []byte { return f(bytes.Clone(ident)) }
	for name, tc := range map[string]struct {
		ident []byte
		want  error
	}{
		"not vorbis":   {mut(func(p []byte) []byte { p[1] = 'V'; return p }), pcm.ErrMalformed},
		"short":        {ident[:29], pcm.ErrMalformed},
		"version 1":    {mut(func(p []byte) []byte { p[7] = 1; return p }), pcm.ErrUnsupported},
		"0 channels":   {mut(func(p []byte) []byte { p[11] = 0; return p }), pcm.ErrMalformed},
		"65 channels":  {mut(func(p []byte) []byte { p[11] = 65; return p }), pcm.ErrUnsupported},
		"rate 0":       {mut(func(p []byte) []byte { binary.LittleEndian.PutUint32(p[12:], 0); return p }), pcm.ErrMalformed},
		"rate 500":     {mut(func(p []byte) []byte { binary.LittleEndian.PutUint32(p[12:], 500); return p }), pcm.ErrUnsupported},
		"rate 4 GHz":   {mut(func(p []byte) []byte { binary.LittleEndian.PutUint32(p[12:], 0xffffffff); return p }), pcm.ErrUnsupported},
		"block 32":     {mut(func(p []byte) []byte { p[28] = 5 | 11<<4; return p }), pcm.ErrMalformed},
		"block 16384":  {mut(func(p []byte) []byte { p[28] = 8 | 14<<4; return p }), pcm.ErrMalformed},
		"short > long": {mut(func(p []byte) []byte { p[28] = 11 | 8<<4; return p }), pcm.ErrMalformed},
		"no framing":   {mut(func(p []byte) []byte { p[29] = 0; return p }), pcm.ErrMalformed},
	} {
		_, err := NewDecoder(tc.ident, comment, setup)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if _, err := NewDecoder(ident, []byte("\x05vorbis"), setup); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("setup header in place of the comment header: %v", err)
	}
	if _, err := NewDecoder(ident, comment, comment); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("comment header in place of the setup header: %v", err)
	}
}

// TestSetupTruncated cuts the setup header at many lengths (every one in
// the first 256 bytes): each cut is an error wrapping ErrMalformed.
func TestSetupTruncated(t *testing.T) {
	ident, comment, setup, _ := fixtureHeaders(t, "q5-44k-stereo.ogg")
	for n := 0; n < len(setup); n += 1 + n/256*6 {
		_, err := NewDecoder(ident, comment, setup[:n])
		if !errors.Is(err, pcm.ErrMalformed) {
			t.Fatalf("setup cut to %d of %d bytes: %v, want ErrMalformed", n, len(setup), err)
		}
	}
}

// TestSetupCorrupted flips bytes of the setup header: the result is an
// error wrapping ErrMalformed or ErrUnsupported, or a decoder that decodes
// the audio without panicking.
func TestSetupCorrupted(t *testing.T) {
	ident, comment, setup, audio := fixtureHeaders(t, "qm1-8k-mono.ogg")
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		bad := bytes.Clone(setup)
		for range 1 + i%3 {
			bad[7+rng.IntN(len(bad)-7)] ^= byte(1 + rng.IntN(255))
		}
		d, err := NewDecoder(ident, comment, bad)
		if err != nil {
			if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
				t.Fatalf("corrupt setup: %v", err)
			}
			continue
		}
		for _, p := range audio[:20] {
			if _, err := d.Decode(p); err != nil && !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("audio with corrupt setup: %v", err)
			}
		}
	}
}

// hostileSetup is a setup header whose first codebook declares entries
// entries of dims dimensions, every one used (ordered, all of length
// 24 bits when entries is 2^24), with a lattice lookup when lookup is set.
func hostileSetup(entries, dims int, lookup bool) []byte {
	var w bitWriter
	for _, c := range "\x05vorbis" {
		w.write(uint32(c), 8)
	}
	w.write(0, 8) // one codebook
	w.write(codebookSync, 24)
	w.write(uint32(dims), 16)
	w.write(uint32(entries), 24)
	w.flag(true) // ordered
	l := ilog(entries - 1)
	w.write(uint32(l-1), 5)
	w.write(uint32(entries), ilog(entries))
	if lookup {
		w.write(1, 4)
		w.write(float32Pack(1), 32)
		w.write(float32Pack(1), 32)
		w.write(0, 4)
		w.flag(false)
		for range lookup1Values(entries, dims) {
			w.write(0, 1)
		}
	} else {
		w.write(0, 4)
	}
	return append(w.buf, make([]byte, 64)...)
}

// TestSetupMemoryBound: a few bytes can declare codebooks of 2^24 entries
// or huge vectors. The decoder refuses them (ErrUnsupported) without
// allocating beyond its bound.
func TestSetupMemoryBound(t *testing.T) {
	ident, comment, _, _ := fixtureHeaders(t, "q5-44k-stereo.ogg")
	for name, setup := range map[string][]byte{
		"2^24 entries":         hostileSetup(1<<24-1, 1, false),
		"2^20 entries":         hostileSetup(1<<20, 1, false),
		"65535 dimensions":     hostileSetup(256, 65535, true),
		"2^16 vectors of 4096": hostileSetup(1<<16, 4096, true),
	} {
		var err error
		alloc := audiotest.Allocated(func() { _, err = NewDecoder(ident, comment, setup) })
		if !errors.Is(err, pcm.ErrUnsupported) {
			t.Errorf("%s (%d bytes): %v, want ErrUnsupported", name, len(setup), err)
		}
		if alloc > maxSetupMemory+1<<20 {
			t.Errorf("%s: allocated %d MiB", name, alloc>>20)
		}
	}
	// Within the bound, a big codebook is accepted: the limit is memory,
	// not a count.
	if _, err := NewDecoder(ident, comment, hostileSetup(1<<16, 1, false)); !errors.Is(err, pcm.ErrMalformed) {
		// It is malformed further on (no floors), but its codebook passed.
		t.Errorf("a codebook of 2^16 entries: %v, want ErrMalformed from the rest of the header", err)
	}
}
