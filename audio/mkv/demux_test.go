package mkv

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// fixtures are the files testdata/make.sh makes, with what the tests know
// of them.
var fixtures = []struct {
	name     string
	codec    string // Info.Codec
	rate     int
	channels int
	track    uint64 // number of the audio track
}{
	{"opus_mono.webm", "webm/opus", 48000, 1, 1},
	{"opus_stereo.mkv", "matroska/opus", 48000, 2, 1},
	{"vorbis_stereo.webm", "webm/vorbis", 22050, 2, 1},
	{"live.webm", "webm/opus", 48000, 1, 1},
	{"video.webm", "webm/opus", 48000, 1, 2},
}

// demuxed is a packet as the tests keep it.
type demuxed struct {
	data           []byte
	timestamp      int64
	lace           int
	discardPadding int64
}

// demuxFile returns the audio track's packets of a whole file, its track
// and its segment, or the first error.
func demuxFile(b []byte) ([]demuxed, *track, *segment, error) {
	e, err := newEBMLReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, nil, err
	}
	docType, err := readEBMLHeader(e)
	if err != nil {
		return nil, nil, nil, err
	}
	seg, err := readSegmentHeader(e, docType)
	if err != nil {
		return nil, nil, nil, err
	}
	t := seg.tracks.audio
	if t == nil {
		return nil, nil, seg, errors.New("no audio track")
	}
	d := newDemuxer(e, seg, t)
	var out []demuxed
	for {
		p, err := d.nextPacket()
		if err == io.EOF {
			return out, t, seg, nil
		}
		if err != nil {
			return out, t, seg, err
		}
		out = append(out, demuxed{bytes.Clone(p.data), p.timestamp, p.lace, p.discardPadding})
	}
}

// ffprobePacket is a line of a .packets file: ffprobe's pts and size.
type ffprobePacket struct{ pts, size int64 }

func readPackets(t *testing.T, name string) []ffprobePacket {
	t.Helper()
	f := audiotest.Open(t, "testdata/"+name+".packets")
	var out []ffprobePacket
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(s.Text(), ",")
		if len(fields) < 2 {
			continue
		}
		pts, err1 := strconv.ParseInt(fields[0], 10, 64)
		size, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s.packets: bad line %q", name, s.Text())
		}
		out = append(out, ffprobePacket{pts, size})
	}
	return out
}

// TestPacketsMatchFFprobe compares the packets the demuxer extracts from
// every fixture with ffprobe's: the same count, sizes and timestamps
// (ffprobe shifts Opus timestamps back by the track's CodecDelay, in
// TimestampScale units rounded to nearest).
func TestPacketsMatchFFprobe(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			got, tr, seg, err := demuxFile(audiotest.ReadFixture(t, fx.name))
			if err != nil {
				t.Fatal(err)
			}
			if tr.number != fx.track {
				t.Errorf("audio track number %d, want %d", tr.number, fx.track)
			}
			want := readPackets(t, fx.name)
			if len(got) != len(want) {
				t.Fatalf("%d packets, ffprobe %d", len(got), len(want))
			}
			shift := (int64(tr.codecDelay) + int64(seg.timestampScale)/2) / int64(seg.timestampScale)
			for i := range want {
				if int64(len(got[i].data)) != want[i].size || got[i].timestamp-shift != want[i].pts {
					t.Errorf("packet %d: %d bytes at %d, ffprobe %d bytes at %d", i, len(got[i].data), got[i].timestamp-shift, want[i].size, want[i].pts)
				}
			}
		})
	}
}

// TestTrackFields checks what the demuxer reads of the fixtures' tracks.
func TestTrackFields(t *testing.T) {
	_, tr, seg, err := demuxFile(audiotest.ReadFixture(t, "opus_mono.webm"))
	if err != nil {
		t.Fatal(err)
	}
	if seg.docType != "webm" || seg.timestampScale != 1000000 || seg.end < 0 {
		t.Errorf("segment: %+v", seg)
	}
	if tr.codecID != "A_OPUS" || tr.codecDelay != 6500000 || tr.seekPreRoll != 80000000 ||
		tr.sampleRate != 48000 || tr.channels != 1 || len(tr.codecPrivate) != 19 || tr.encoded {
		t.Errorf("track: %+v", tr)
	}
	_, tr, seg, err = demuxFile(audiotest.ReadFixture(t, "live.webm"))
	if err != nil {
		t.Fatal(err)
	}
	if seg.end != -1 {
		t.Errorf("live.webm: Segment end %d, want unknown", seg.end)
	}
	if tr.sampleRate != 16000 {
		t.Errorf("live.webm: SamplingFrequency %v, want the 16 kHz of the recording", tr.sampleRate)
	}
	_, tr, _, err = demuxFile(audiotest.ReadFixture(t, "vorbis_stereo.webm"))
	if err != nil {
		t.Fatal(err)
	}
	ident, comment, setup, why := splitVorbisPrivate(tr.codecPrivate)
	if why != "" || !bytes.HasPrefix(ident, []byte("\x01vorbis")) || !bytes.HasPrefix(comment, []byte("\x03vorbis")) ||
		!bytes.HasPrefix(setup, []byte("\x05vorbis")) {
		t.Errorf("Vorbis CodecPrivate does not split into the three headers: %s", why)
	}
}

// TestUnknownSizeMatchesKnown rewrites every Cluster of opus_mono.webm to
// unknown size (and the Segment) and checks the packets do not change.
func TestUnknownSizeMatchesKnown(t *testing.T) {
	b := audiotest.ReadFixture(t, "opus_mono.webm")
	want, _, _, err := demuxFile(b)
	if err != nil {
		t.Fatal(err)
	}
	u := toUnknownSizes(t, b)
	got, _, seg, err := demuxFile(u)
	if err != nil {
		t.Fatal(err)
	}
	if seg.end != -1 {
		t.Fatal("the rewritten Segment still has a size")
	}
	comparePackets(t, got, want)
}

// comparePackets fails unless got and want are the same packets.
func comparePackets(t *testing.T, got, want []demuxed) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].data, want[i].data) || got[i].discardPadding != want[i].discardPadding {
			t.Fatalf("packet %d differs", i)
		}
	}
}

// toUnknownSizes returns a copy of a file with known sizes in which the
// Segment and each Cluster have an unknown size, in 8-byte size fields.
func toUnknownSizes(t *testing.T, b []byte) []byte {
	t.Helper()
	e, err := newEBMLReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for {
		h, err := e.readHeader(e.size)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.id != idSegment {
			out = append(out, b[h.off:h.end()]...)
			e.skip(h)
			continue
		}
		out = append(out, idBytes(idSegment)...)
		out = append(out, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
		for {
			c, err := e.readHeader(h.end())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.id == idCluster {
				out = append(out, unknownSizeEl(idCluster, b[c.data:c.end()])...)
			} else {
				out = append(out, b[c.off:c.end()]...)
			}
			e.skip(c)
		}
	}
}
