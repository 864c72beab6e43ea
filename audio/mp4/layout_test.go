package mp4

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// layouts are ways of laying out the same access units that the format
// allows, applied to a base spec.
var layouts = []struct {
	name string
	edit func(*spec)
}{
	{"moov last", func(s *spec) {}},
	{"moov first", func(s *spec) { s.moovFirst = true }},
	{"64-bit mdat size", func(s *spec) { s.mdatLarge = true }},
	{"64-bit mdat size, moov first", func(s *spec) { s.mdatLarge, s.moovFirst = true, true }},
	{"mdat of size 0 to the end", func(s *spec) { s.mdatZero, s.moovFirst = true, true }},
	{"co64", func(s *spec) { s.co64 = true }},
	{"one sample per chunk", func(s *spec) { s.chunks = []int{1} }},
	{"chunks of 3 and 5", func(s *spec) { s.chunks = []int{3, 5} }},
	{"chunks of 2, 2, 7", func(s *spec) { s.chunks = []int{2, 2, 7} }},
	{"stz2 16-bit", func(s *spec) { s.sizeBits = 16 }},
	{"video track first", func(s *spec) { s.videoFirst = true }},
	{"QuickTime v1 sound description", func(s *spec) { s.qtVersion = 1 }},
	{"QuickTime v1 with wave box", func(s *spec) { s.qtVersion, s.wave = 1, true }},
	{"QuickTime v2 sound description", func(s *spec) { s.qtVersion = 2 }},
	{"ISO AudioSampleEntryV1", func(s *spec) { s.qtVersion, s.isoV1 = 1, true }},
	{"wave box in a version 0 entry", func(s *spec) { s.wave = true }},
	{"fragments, default-base-is-moof", func(s *spec) { s.fragment = 4 }},
	{"fragments, explicit base offsets", func(s *spec) { s.fragment, s.baseMode = 3, 1 }},
	{"fragments, implicit base", func(s *spec) { s.fragment, s.baseMode = 5, 2 }},
	{"fragments, after another track's traf", func(s *spec) { s.fragment, s.baseMode = 4, 3 }},
	{"fragments, tfhd with every field", func(s *spec) { s.fragment, s.baseMode = 4, 4 }},
	{"fragments after samples in moov", func(s *spec) { s.fragment, s.inMoov = 4, 6 }},
	{"fragments of one sample", func(s *spec) { s.fragment = 1 }},
	{"edit list version 1", func(s *spec) { s.edits, s.elstV1 = []editEntry{{1500, 1024, 1}}, true }},
	{"edit list after an empty edit", func(s *spec) { s.edits = []editEntry{{300, -1, 1}, {1500, 1024, 1}} }},
}

// TestLayoutsDecodeAlike lays out the access units of a fixture in each
// of the ways above and checks that the demuxer finds the same access
// units and the decoder outputs the same audio.
func TestLayoutsDecodeAlike(t *testing.T) {
	base := fixtureSpec(t, "aac-mono16k.m4a")
	base.edits = []editEntry{{1500, 1024, 1}}
	want := decodeAll(t, build(base))
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			s := base
			l.edit(&s)
			b := build(s)
			_, ps, err := demuxAll(b, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(s.packets) {
				t.Fatalf("%d access units, want %d", len(ps), len(s.packets))
			}
			for i, p := range ps {
				if got := b[p.offset : p.offset+int64(p.size)]; !bytes.Equal(got, s.packets[i]) {
					t.Fatalf("access unit %d differs", i)
				}
			}
			got := decodeAll(t, b)
			if s.fragment > 0 && s.inMoov == 0 {
				// Fragments are decoded whole, ignoring the edit list, as
				// ffmpeg does: the 1024 priming frames stay.
				got = got[1024:]
			}
			if len(got) != len(want) {
				t.Fatalf("%d frames, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("frame %d differs", i)
				}
			}
		})
	}
}

// TestSmallSampleTables checks the sample size tables that only fit small
// access units (stz2 with 4- and 8-bit entries, stsz with one size for
// all) and trun boxes without sizes, with a stand-in codec.
func TestSmallSampleTables(t *testing.T) {
	mk := func(sizes ...int) spec {
		s := spec{channels: 1, rate: 8000, asc: []byte{0x15, 0x88}}
		for i, n := range sizes {
			s.packets = append(s.packets, bytes.Repeat([]byte{byte(i + 1)}, n))
		}
		return s
	}
	varied := []int{1, 15, 7, 3, 9, 2, 14, 5, 11}
	for _, c := range []struct {
		name string
		s    spec
	}{
		{"stz2 4-bit, odd count", func() spec { s := mk(varied...); s.sizeBits = 4; return s }()},
		{"stz2 4-bit, even count", func() spec { s := mk(varied[:8]...); s.sizeBits = 4; return s }()},
		{"stz2 8-bit", func() spec { s := mk(200, 1, 255, 17); s.sizeBits = 8; return s }()},
		{"stsz constant size", func() spec { s := mk(6, 6, 6, 6, 6); s.constSize = true; s.chunks = []int{2}; return s }()},
		{"trun without sizes", func() spec { s := mk(6, 6, 6, 6, 6, 6, 6); s.fragment, s.noTrunSizes = 3, true; return s }()},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := build(c.s)
			_, ps, err := demuxAll(b, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(c.s.packets) {
				t.Fatalf("%d access units, want %d", len(ps), len(c.s.packets))
			}
			for i, p := range ps {
				if got := b[p.offset : p.offset+int64(p.size)]; !bytes.Equal(got, c.s.packets[i]) {
					t.Fatalf("access unit %d: %d bytes %v, want %v", i, p.size, got, c.s.packets[i])
				}
			}
		})
	}
}

// decodeAll decodes a mono file and returns its samples.
func decodeAll(t *testing.T, b []byte) []float32 {
	t.Helper()
	dec, err := NewDecoder(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := audiotest.Drain(dec)
	if err != nil {
		t.Fatal(err)
	}
	if f := dec.Info().Frames; f >= 0 && f != int64(len(out[0])) {
		t.Errorf("Info.Frames %d, decoded %d", f, len(out[0]))
	}
	return out[0]
}

// TestEditListsMatchFFmpeg applies edit lists to the access units of a
// fixture and checks the number of frames decoded against what ffmpeg
// 5.1 decodes from the same built file (with MP4_WRITE_EDITS=DIR the test
// writes the files to DIR; measured with
// `ffmpeg -v error -i F -f s16le - | wc -c`, halved), and that
// the frames kept are the right ones: those of the whole stream from the
// edit's start.
func TestEditListsMatchFFmpeg(t *testing.T) {
	base := fixtureSpec(t, "aac-mono16k.m4a") // 25 access units, 25600 frames
	whole := decodeAll(t, build(base))
	ts48 := func(s *spec) {
		s.timescale = 48000
		for i := range s.durations {
			s.durations[i] = 3072
		}
	}
	for _, c := range []struct {
		name   string
		edit   func(*spec)
		frames int // ffmpeg's
		start  int // frame of the whole stream the output starts at
	}{
		{"none", func(s *spec) {}, 25600, 0},
		{"ffmpeg's 1024", func(s *spec) { s.edits = []editEntry{{1500, 1024, 1}} }, 24576, 1024},
		{"Apple's 2112", func(s *spec) { s.edits = []editEntry{{1500, 2112, 1}} }, 23488, 2112},
		{"short segment", func(s *spec) { s.edits = []editEntry{{1000, 1024, 1}} }, 16384, 1024},
		{"segment ending on a frame", func(s *spec) { s.edits = []editEntry{{960, 0, 1}} }, 15360, 0},
		{"empty edit first", func(s *spec) { s.edits = []editEntry{{500, -1, 1}, {1000, 3000, 1}} }, 16456, 3000},
		{"more than a second in", func(s *spec) { s.edits, s.elstV1 = []editEntry{{1000, 20000, 1}}, true }, 5600, 20000},
		{"past the end", func(s *spec) { s.edits = []editEntry{{1500, 30000, 1}} }, 0, 0},
		{"zero duration", func(s *spec) { s.edits = []editEntry{{0, 1024, 1}} }, 0, 0},
		{"movie timescale 600", func(s *spec) { s.movieTS, s.edits = 600, []editEntry{{601, 1025, 1}} }, 16383, 1025},
		// ffmpeg drops media_time − (the first decoded sample's time)
		// frames even when the media timescale is not the sample rate.
		{"timescale 48 kHz", func(s *spec) { ts48(s); s.edits = []editEntry{{1500, 3000, 1}} }, 22600, 3000},
		{"timescale 48 kHz, short", func(s *spec) { ts48(s); s.edits = []editEntry{{1000, 6336, 1}} }, 12096, 6336},
		{"hybrid", func(s *spec) { s.fragment, s.inMoov, s.edits = 5, 7, []editEntry{{1500, 1024, 1}} }, 24576, 1024},
		{"hybrid, segment ends in moov", func(s *spec) { s.fragment, s.inMoov, s.edits = 5, 7, []editEntry{{300, 1024, 1}} }, 23552, -1},
		{"fragments ignore it", func(s *spec) { s.fragment, s.edits = 5, []editEntry{{1500, 1024, 1}} }, 25600, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base
			s.durations = append([]uint32(nil), base.durations...)
			c.edit(&s)
			b := build(s)
			if dir := os.Getenv("MP4_WRITE_EDITS"); dir != "" {
				// To measure ffmpeg: MP4_WRITE_EDITS=/tmp/dir go test -run EditListsMatch
				name := strings.NewReplacer(" ", "-", ",", "", "'", "").Replace(c.name)
				if err := os.WriteFile(filepath.Join(dir, name+".m4a"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := decodeAll(t, b)
			if len(got) != c.frames {
				t.Fatalf("%d frames, ffmpeg %d", len(got), c.frames)
			}
			if c.start < 0 || c.frames == 0 {
				return
			}
			n := min(len(got), len(whole)-c.start)
			for i := range n {
				if math.Abs(float64(got[i]-whole[c.start+i])) > 0 {
					t.Fatalf("frame %d is frame %d of the whole stream? %v != %v", i, c.start+i, got[i], whole[c.start+i])
				}
			}
		})
	}
}

// TestEditListsUnsupported checks the edit lists left to ffmpeg.
func TestEditListsUnsupported(t *testing.T) {
	base := fixtureSpec(t, "aac-mono16k.m4a")
	for _, edits := range [][]editEntry{
		{{500, 1024, 1}, {500, 12000, 1}},
		{{1000, 0, 1}, {500, -1, 1}},
		{{1000, 1024, 2}},
		{{1000, 1024, 0}},
	} {
		t.Run(fmt.Sprint(edits), func(t *testing.T) {
			s := base
			s.edits = edits
			_, err := NewDecoder(bytes.NewReader(build(s)))
			wantUnsupported(t, err, "edit list")
		})
	}
}
