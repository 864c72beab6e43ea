package mkv

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// lacedCopy rebuilds a demuxed file with its packets laced: groups of up to
// n packets per block in the given mode (for fixed-size lacing, runs of
// packets of equal size), the last packet alone in a BlockGroup with its
// DiscardPadding, and the track's CodecPrivate as it was.
func lacedCopy(pkts []demuxed, tr *track, docType string, mode, n int) []byte {
	var blocks [][]byte
	blocks = append(blocks, uintEl(idTimestamp, 0))
	last := len(pkts) - 1
	for i := 0; i < last; {
		j := i + 1
		for j < last && j-i < n && (mode != lacingFixed || len(pkts[j].data) == len(pkts[i].data)) {
			j++
		}
		var frames [][]byte
		for _, p := range pkts[i:j] {
			frames = append(frames, p.data)
		}
		blocks = append(blocks, simpleBlockEl(tr.number, int16(pkts[i].timestamp), mode, frames...))
		i = j
	}
	blocks = append(blocks, blockGroupEl(tr.number, int16(pkts[last].timestamp), padding(pkts[last].discardPadding), lacingNone, pkts[last].data))
	te := audioTrackEl(tr.number, tr.codecID, tr.codecPrivate, tr.sampleRate, tr.channels,
		uintEl(idCodecDelay, tr.codecDelay), uintEl(idSeekPreRoll, tr.seekPreRoll))
	return matroska(docType, [][]byte{te}, el(idCluster, blocks...))
}

// TestLacedBlocks laces the packets of opus_mono.webm in each mode and
// checks the demuxer gets the same packets back (TestLacedDecode checks the
// decoded audio is the same too).
func TestLacedBlocks(t *testing.T) {
	want, tr, seg, err := demuxFile(audiotest.ReadFixture(t, "opus_mono.webm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		mode int
		n    int
	}{{"xiph", lacingXiph, 8}, {"ebml", lacingEBML, 8}, {"fixed", lacingFixed, 8}, {"xiph-max", lacingXiph, 256}} {
		t.Run(c.name, func(t *testing.T) {
			b := lacedCopy(want, tr, seg.docType, c.mode, c.n)
			got, _, _, err := demuxFile(b)
			if err != nil {
				t.Fatal(err)
			}
			comparePackets(t, got, want)
			laced := 0
			for _, p := range got {
				if p.lace > 0 {
					laced++
				}
			}
			if laced == 0 {
				t.Error("no packet was laced")
			}
		})
	}
}

func TestSplitLaces(t *testing.T) {
	frames := func(mode int, fs ...[]byte) []byte {
		return blockBytes(1, 0, 0, mode, fs...)[4:] // the payload after the 4-byte header
	}
	a, b, c := bytes.Repeat([]byte{1}, 300), bytes.Repeat([]byte{2}, 7), bytes.Repeat([]byte{3}, 255)
	for _, tc := range []struct {
		name    string
		payload []byte
		mode    int
		want    [][]byte
		err     string
	}{
		{"none", []byte("abc"), lacingNone, [][]byte{[]byte("abc")}, ""},
		{"xiph", frames(lacingXiph, a, b, c), lacingXiph, [][]byte{a, b, c}, ""},
		{"xiph 255", frames(lacingXiph, c, c), lacingXiph, [][]byte{c, c}, ""},
		{"xiph empty frames", frames(lacingXiph, nil, b, nil), lacingXiph, [][]byte{nil, b, nil}, ""},
		{"ebml", frames(lacingEBML, a, b, c, b), lacingEBML, [][]byte{a, b, c, b}, ""},
		{"fixed", frames(lacingFixed, b, b, b), lacingFixed, [][]byte{b, b, b}, ""},
		{"no count", nil, lacingXiph, nil, "frame count"},
		{"xiph sizes past the end", []byte{1, 255, 255}, lacingXiph, nil, "past the end"},
		{"xiph sizes too big", []byte{1, 200, 0}, lacingXiph, nil, "exceed"},
		{"ebml size too big", []byte{1, 0x85, 0}, lacingEBML, nil, "exceed"},
		{"ebml bad size", []byte{1, 0x00, 0}, lacingEBML, nil, "invalid"},
		{"ebml negative", []byte{2, 0x81, 0x80, 1, 2}, lacingEBML, nil, "negative"},
		{"fixed uneven", []byte{1, 1, 2, 3}, lacingFixed, nil, "multiple"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := splitLaces(tc.payload, tc.mode, make([]span, 0, maxLaces))
			if tc.err != "" {
				if !strings.Contains(why, tc.err) {
					t.Fatalf("error %q, want one about %q", why, tc.err)
				}
				return
			}
			if why != "" {
				t.Fatal(why)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d frames, want %d", len(got), len(tc.want))
			}
			for i, s := range got {
				if !bytes.Equal(tc.payload[s.start:s.end], tc.want[i]) {
					t.Errorf("frame %d differs", i)
				}
			}
		})
	}
}
