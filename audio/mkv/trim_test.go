package mkv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// rampCodec is a fake mono codec: a packet's first two bytes give how many
// samples it decodes to, and the samples count on from the previous
// packet's (0, 1, 2, ...), so a test can see which ones were cut.
type rampCodec struct {
	next float32
	buf  [][]float32
}

func (c *rampCodec) Decode(p []byte) ([][]float32, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("ramp: short packet: %w", pcm.ErrMalformed)
	}
	n := int(binary.BigEndian.Uint16(p))
	c.buf[0] = c.buf[0][:0]
	for range n {
		c.buf[0] = append(c.buf[0], c.next)
		c.next++
	}
	return c.buf, nil
}

// rampPacket is a packet of the ramp codec decoding to n samples.
func rampPacket(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }

// openRamp returns an opener of the ramp codec with the given pre-skip.
func openRamp(preSkip int) func(*track) (codecSetup, error) {
	return func(*track) (codecSetup, error) {
		return codecSetup{codec: &rampCodec{buf: make([][]float32, 1)}, name: "ramp", rate: 48000,
			layout: pcm.LayoutMono, preSkip: preSkip}, nil
	}
}

// rampFile builds a WebM file of one track whose blocks are given.
func rampFile(blocks ...[]byte) []byte {
	tr := audioTrackEl(1, "A_OPUS", opusHead(1, 312), 48000, 1)
	return matroska("webm", [][]byte{tr}, el(idCluster, append([][]byte{uintEl(idTimestamp, 0)}, blocks...)...))
}

// drainRamp decodes a ramp file and returns its samples.
func drainRamp(t *testing.T, b []byte, preSkip int) []float32 {
	t.Helper()
	d, err := newDecoder(bytes.NewReader(b), openRamp(preSkip))
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	for {
		blk, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(blk[0]) == 0 {
			t.Fatal("Next returned an empty block")
		}
		out = append(out, blk[0]...)
	}
}

// TestTrimMatchesFFmpeg checks the trimming rules against output lengths
// ffmpeg 5.1 gave (ffmpeg -c:a libopus -i F -f s16le -) for files built
// the same way from 10 real Opus packets of 960 samples with a pre-skip of
// 312, which the ramp codec stands in for. The Vorbis-like cases (a first
// packet decoding to nothing, no pre-skip) were measured with Vorbis
// packets and ffmpeg's vorbis decoder.
func TestTrimMatchesFFmpeg(t *testing.T) {
	const ms = 1000000 // ns
	simple := func(from, to int) [][]byte {
		var b [][]byte
		for i := from; i < to; i++ {
			b = append(b, simpleBlockEl(1, int16(20*i), lacingNone, rampPacket(960)))
		}
		return b
	}
	group := func(i int, pad int64) []byte {
		return blockGroupEl(1, int16(20*i), padding(pad), lacingNone, rampPacket(960))
	}
	laced := func(i int, pad int64) []byte {
		return blockGroupEl(1, int16(20*i), padding(pad), lacingXiph, rampPacket(960), rampPacket(960), rampPacket(960))
	}
	cat := func(parts ...any) []byte {
		var blocks [][]byte
		for _, p := range parts {
			switch p := p.(type) {
			case []byte:
				blocks = append(blocks, p)
			case [][]byte:
				blocks = append(blocks, p...)
			}
		}
		return rampFile(blocks...)
	}
	for _, c := range []struct {
		name    string
		file    []byte
		preSkip int
		want    int     // ffmpeg's length
		first   float32 // first sample kept (the ramp's index)
		check   func([]float32) error
	}{
		{"pre-skip only", cat(simple(0, 10)), 312, 9288, 312, nil},
		// A DiscardPadding of 0 is no side data at all.
		{"zero padding on the first block", cat(group(0, 0), simple(1, 10)), 312, 9288, 312, nil},
		// 1 ns rounds to 0 samples, but the side data it makes resets the
		// pending pre-skip to 0.
		{"1 ns padding on the first block", cat(group(0, 1), simple(1, 10)), 312, 9600, 0, nil},
		// Negative: the skip becomes 100 samples (-2083333 ns), replacing
		// the pre-skip.
		{"negative padding on the first block", cat(group(0, -2083333), simple(1, 10)), 312, 9500, 100, nil},
		{"5 ms padding mid-stream", cat(simple(0, 5), group(5, 5*ms), simple(6, 10)), 312, 9048, 312,
			gapAt(5*960-312+720, 240)},
		// -30 ms: 1440 samples skipped from packet 5 on, across packet 6.
		{"-30 ms padding mid-stream", cat(simple(0, 5), group(5, -30*ms), simple(6, 10)), 312, 7848, 312,
			gapAt(5*960-312, 1440)},
		// ... unless packet 6 carries side data of its own, which resets
		// the skip: 1 ms trims its end by 48.
		{"-30 ms then 1 ms", cat(simple(0, 5), group(5, -30*ms), group(6, 1*ms), simple(7, 10)), 312, 8280, 312, nil},
		// Every frame of a laced block gets the block's padding.
		{"laced, 5 ms", cat(simple(0, 5), laced(5, 5*ms), simple(8, 10)), 312, 8568, 312, nil},
		{"laced, -5 ms", cat(simple(0, 5), laced(5, -5*ms), simple(8, 10)), 312, 8568, 312, nil},
		{"laced, 20 ms: every frame dropped", cat(simple(0, 5), laced(5, 20*ms), simple(8, 10)), 312, 6408, 312, nil},
		// More than the frame: ignored.
		{"laced, 30 ms: ignored", cat(simple(0, 5), laced(5, 30*ms), simple(8, 10)), 312, 9288, 312, nil},
		{"21 ms on the last packet: ignored", cat(simple(0, 9), group(9, 21*ms)), 312, 9288, 312, nil},
		{"20 ms on the last packet: dropped", cat(simple(0, 9), group(9, 20*ms)), 312, 8328, 312, nil},
		// Rounding to nearest: 10 µs is 0.48 samples, 20 µs 0.96, and
		// 31250 ns exactly 1.5 (half away from zero: 2).
		{"10 us", cat(simple(0, 9), group(9, 10000)), 312, 9288, 312, nil},
		{"20 us", cat(simple(0, 9), group(9, 20000)), 312, 9287, 312, nil},
		{"31250 ns", cat(simple(0, 9), group(9, 31250)), 312, 9286, 312, nil},
		// BlockDuration shorter than the frame does not trim it.
		{"BlockDuration 5 ms", cat(simple(0, 9), el(idBlockGroup, el(idBlock, blockBytes(1, 180, 0, lacingNone, rampPacket(960))),
			uintEl(0x9B, 5))), 312, 9288, 312, nil},
		// A single packet with pre-skip and padding (a 1 ms clip): the side
		// data resets the pre-skip, so ffmpeg keeps the encoder's priming
		// samples: 960 - 600.
		{"single packet", cat(group(0, 12500000)), 312, 360, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := drainRamp(t, c.file, c.preSkip)
			if len(got) != c.want {
				t.Fatalf("%d samples, ffmpeg gives %d", len(got), c.want)
			}
			if got[0] != c.first {
				t.Errorf("first sample is #%v of the decoded stream, want #%v", got[0], c.first)
			}
			if c.check != nil {
				if err := c.check(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// gapAt returns a check that the ramp runs on without a break except for
// one gap of n samples after output sample at.
func gapAt(at, n int) func([]float32) error {
	return func(s []float32) error {
		for i := 1; i < len(s); i++ {
			step := s[i] - s[i-1]
			if want := float32(1) + float32(n)*b2f(i == at); step != want {
				return fmt.Errorf("at output sample %d the ramp steps by %v, want %v", i, step, want)
			}
		}
		return nil
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// TestTrimVorbisLike covers a codec whose first packet decodes to nothing
// (Vorbis): with 40 Vorbis packets, ffmpeg gave 4992 samples; -1 ms of
// padding on the first block skipped 48 samples from what followed
// (4944); +1 ms on it did nothing (4992).
func TestTrimVorbisLike(t *testing.T) {
	sizes := []int{0}
	for range 39 {
		sizes = append(sizes, 128)
	}
	build := func(pad *int64) []byte {
		var blocks [][]byte
		for i, n := range sizes {
			if i == 0 && pad != nil {
				blocks = append(blocks, blockGroupEl(1, 0, pad, lacingNone, rampPacket(n)))
				continue
			}
			blocks = append(blocks, simpleBlockEl(1, int16(3*i), lacingNone, rampPacket(n)))
		}
		return rampFile(blocks...)
	}
	for _, c := range []struct {
		pad  *int64
		want int
	}{{nil, 4992}, {padding(-1000000), 4944}, {padding(1000000), 4992}} {
		if got := len(drainRamp(t, build(c.pad), 0)); got != c.want {
			t.Errorf("padding %v: %d samples, ffmpeg gives %d", c.pad, got, c.want)
		}
	}
}

// TestEmptyFramesDropped checks that empty blocks and empty laced frames
// never reach the codec, as ffmpeg drops them.
func TestEmptyFramesDropped(t *testing.T) {
	b := rampFile(simpleBlockEl(1, 0, lacingNone, rampPacket(960)), simpleBlockEl(1, 20, lacingNone, nil),
		simpleBlockEl(1, 40, lacingXiph, rampPacket(960), nil, rampPacket(960)))
	d, err := newDecoder(bytes.NewReader(b), func(*track) (codecSetup, error) {
		return codecSetup{codec: strictCodec{}, name: "strict", rate: 48000, layout: pcm.LayoutMono}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := audiotest.Count(d)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*960 {
		t.Errorf("%d samples, want %d", n, 3*960)
	}
}

// strictCodec is the ramp codec refusing empty packets.
type strictCodec struct{}

func (strictCodec) Decode(p []byte) ([][]float32, error) {
	if len(p) == 0 {
		return nil, errors.New("empty packet reached the codec")
	}
	return [][]float32{make([]float32, binary.BigEndian.Uint16(p))}, nil
}

func TestRescale(t *testing.T) {
	for _, c := range []struct{ ns, rate, want int64 }{
		{13500000, 48000, 648}, {-13500000, 48000, -648}, {31250, 48000, 2}, {-31250, 48000, -2},
		{10416, 48000, 0}, {10417, 48000, 1}, {1 << 62, 48000, 221360928884515}, {-1 << 63, 384000, -3541774862152234},
	} {
		if got := rescale(c.ns, c.rate); got != c.want {
			t.Errorf("rescale(%d, %d) = %d, want %d", c.ns, c.rate, got, c.want)
		}
	}
}
