package vorbis

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// decodeAll decodes packets with a fresh decoder and returns the planar
// output and the length of each packet's output.
func decodeAll(t *testing.T, ident, comment, setup []byte, packets [][]byte) ([][]float32, []int) {
	t.Helper()
	d, err := NewDecoder(ident, comment, setup)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, d.Channels())
	var lens []int
	for _, p := range packets {
		b, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		lens = append(lens, len(b[0]))
		for c := range b {
			out[c] = append(out[c], b[c]...)
		}
	}
	return out, lens
}

// TestTruncatedAudioPackets: a packet that ends early is not an error
// (section 4.3: the missing values are zero). It yields as many samples
// as the whole packet, all finite.
func TestTruncatedAudioPackets(t *testing.T) {
	for _, name := range []string{"q5-44k-stereo.ogg", "qm1-8k-mono.ogg", "synth-libvorbis.ogg"} {
		ident, comment, setup, audio := fixtureHeaders(t, name)
		_, want := decodeAll(t, ident, comment, setup, audio[:12])
		for _, cut := range []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89} {
			cutAudio := make([][]byte, 12)
			for i, p := range audio[:12] {
				cutAudio[i] = p[:min(cut, len(p))]
			}
			out, lens := decodeAll(t, ident, comment, setup, cutAudio)
			if !slices.Equal(lens, want) {
				t.Errorf("%s cut to %d bytes: packet lengths %v, want %v", name, cut, lens, want)
			}
			for _, ch := range out {
				for _, v := range ch {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s cut to %d bytes: sample %v", name, cut, v)
					}
				}
			}
		}
	}
}

// TestPacketEndingInFloorsIsSilent: the end of the packet inside the
// floors zeroes every channel of the block (section 4.3.2), so the output
// is the fade-out of the previous block alone.
func TestPacketEndingInFloorsIsSilent(t *testing.T) {
	ident, comment, setup, audio := fixtureHeaders(t, "qm1-8k-mono.ogg")
	d, err := NewDecoder(ident, comment, setup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(audio[0]); err != nil {
		t.Fatal(err)
	}
	// A packet of one byte: type and mode, then nothing.
	out, err := d.Decode(audio[1][:1])
	if err != nil {
		t.Fatal(err)
	}
	// Decode the same with an all-zero current block by hand: the
	// previous block's right half, windowed.
	d2, _ := NewDecoder(ident, comment, setup)
	d2.Decode(audio[0])
	n := d2.id.blocksizes[0]
	clear(d2.dct[0])
	d2.overlap(n, n)
	if !slices.Equal(out[0], d2.ret[0]) {
		t.Error("a packet ending in its floors does not decode to silence")
	}
}

// TestNonAudioPacketsAreIgnored: a header packet or an empty packet among
// the audio yields nothing and changes nothing.
func TestNonAudioPacketsAreIgnored(t *testing.T) {
	ident, comment, setup, audio := fixtureHeaders(t, "q0-16k-mono.ogg")
	want, _ := decodeAll(t, ident, comment, setup, audio[:10])
	mixed := append(slices.Clone(audio[:5]), comment, nil, setup)
	mixed = append(mixed, audio[5:10]...)
	got, lens := decodeAll(t, ident, comment, setup, mixed)
	if lens[5] != 0 || lens[6] != 0 || lens[7] != 0 {
		t.Errorf("non-audio packets yielded %v samples", lens[5:8])
	}
	if !slices.Equal(got[0], want[0]) {
		t.Error("non-audio packets changed the decode")
	}
}

// TestBadModeIsAnError: a packet of a mode the stream does not have, or
// one that ends before its window flags, is an error wrapping
// ErrMalformed and leaves the decoder as it was.
func TestBadModeIsAnError(t *testing.T) {
	p := readPackets(t, "testdata/synth-ffmpeg.ogg")
	ident, comment, setup := p[0], p[1], p[2]
	var audio [][]byte // packets of modes 0 to 2
	for _, q := range p[3:] {
		if int(q[0]>>1)&3 != 3 {
			audio = append(audio, q)
		}
	}
	want, _ := decodeAll(t, ident, comment, setup, audio[:6])

	d, err := NewDecoder(ident, comment, setup)
	if err != nil {
		t.Fatal(err)
	}
	// Keep 3 of the 4 modes: mode 3 (2 bits) does not exist.
	d.s.modes = d.s.modes[:3]
	var got []float32
	for i, q := range audio[:6] {
		if i == 3 {
			if _, err := d.Decode([]byte{3 << 1}); !errors.Is(err, pcm.ErrMalformed) {
				t.Errorf("packet of mode 3 of 3: %v, want ErrMalformed", err)
			}
		}
		b, err := d.Decode(q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b[0]...)
	}
	if !slices.Equal(got, want[0]) {
		t.Error("a packet of a bad mode changed the decode")
	}

	// 64 modes, the last one long: 1 type bit, 6 mode bits, then the
	// second window flag falls outside a one-byte packet.
	d, _ = NewDecoder(ident, comment, setup)
	for len(d.s.modes) < 64 {
		d.s.modes = append(d.s.modes, mode{long: true})
	}
	d.modeBits = 6
	if _, err := d.Decode([]byte{63 << 1}); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("long packet cut before its window flags: %v, want ErrMalformed", err)
	}
}

// TestCorruptAudioPackets flips bits of audio packets: decoding never
// panics, never fails (only a bad mode could, and these streams' modes are
// all valid), and every sample is finite.
func TestCorruptAudioPackets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, name := range []string{"q5-44k-stereo.ogg", "q3-24k-5.1.ogg", "synth-libvorbis.ogg"} {
		ident, comment, setup, audio := fixtureHeaders(t, name)
		d, err := NewDecoder(ident, comment, setup)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 400 {
			p := bytes.Clone(audio[i%len(audio)])
			for range 1 + rng.IntN(8) {
				p[rng.IntN(len(p))] ^= byte(1 + rng.IntN(255))
			}
			b, err := d.Decode(p)
			if err != nil {
				if !errors.Is(err, pcm.ErrMalformed) {
					t.Fatalf("%s: %v", name, err)
				}
				continue
			}
			for _, ch := range b {
				for _, v := range ch {
					if math.IsNaN(float64(v)) {
						t.Fatalf("%s: NaN sample", name)
					}
				}
			}
		}
	}
}
