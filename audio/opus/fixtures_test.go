package opus_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// minSNR is the accuracy bound against ffmpeg's libopus decode, in dB per
// channel after ffmpeg-style 16-bit quantization. This decoder follows
// libopus's arithmetic (and its x86-64 summation order), so every fixture
// in fact matches exactly (+Inf dB).
const minSNR = 60

// fixture describes a file of testdata/make.sh and what decoding it must
// meet.
type fixture struct {
	name   string
	layout pcm.Layout
	// Packets that must occur, by the TOC byte of their first stream:
	// modes ("SILK", "Hybrid", "CELT"), frame packing codes ("code0" to
	// "code3", "padded"), frame durations at 48 kHz ("120" to "2880"),
	// "stereo" and "dtx" (a lone TOC byte).
	toc []string
	// Frames of each mode (SILK, Hybrid, CELT) that must be decoded, over
	// all streams.
	modes [3]bool
	// Decoder events that must occur (at least once).
	lbrr, dtx, transitions, celtToSilk, silkToCelt bool
}

var (
	mono   = pcm.Layout{pcm.FrontCenter}
	stereo = pcm.Layout{pcm.FrontLeft, pcm.FrontRight}
)

var fixtures = []fixture{
	{name: "silk_nb_8k", layout: mono, toc: []string{"SILK", "code0", "960"}},
	{name: "silk_wb_16k", layout: mono, toc: []string{"SILK", "960"}},
	{name: "silk_wb_10ms_fec", layout: mono, toc: []string{"SILK", "480"}, lbrr: true, celtToSilk: true, silkToCelt: true},
	{name: "silk_mb_60ms_fec", layout: mono, toc: []string{"SILK", "2880"}, lbrr: true},
	{name: "mono_24k_40ms_fec", layout: mono, toc: []string{"SILK", "Hybrid", "1920", "code1", "code2"}, lbrr: true},
	{name: "silk_stereo_24k", layout: stereo, toc: []string{"SILK", "stereo"}},
	{name: "mono_24k_60ms", layout: mono, toc: []string{"Hybrid", "code3"}},
	{name: "hybrid_32k_stereo", layout: stereo, toc: []string{"Hybrid", "stereo"}},
	{name: "hybrid_cbr_60ms", layout: stereo, toc: []string{"Hybrid", "code3", "padded"}},
	{name: "celt_64k_stereo", layout: stereo, toc: []string{"CELT", "960", "stereo"}},
	{name: "celt_128k_2.5ms", layout: stereo, toc: []string{"CELT", "120"}},
	{name: "celt_128k_5ms", layout: stereo, toc: []string{"CELT", "240"}},
	{name: "celt_128k_10ms", layout: stereo, toc: []string{"CELT", "480"}},
	{name: "celt_128k_40ms", layout: stereo, toc: []string{"CELT", "code2"}},
	{name: "celt_64k_maxdelay0", layout: mono, toc: []string{"CELT"}},
	{name: "silk_dtx", layout: mono, toc: []string{"SILK", "dtx"}, dtx: true},
	{name: "celt_dtx", layout: mono, toc: []string{"CELT", "dtx"}, dtx: true},
	{name: "switch_celt_to_hybrid", layout: mono, toc: []string{"CELT", "Hybrid"}, celtToSilk: true},
	{name: "switch_hybrid_to_celt", layout: stereo, toc: []string{"CELT", "Hybrid"}, silkToCelt: true},
	{name: "modes_spliced", layout: mono, toc: []string{"SILK", "Hybrid", "CELT", "120", "240", "480", "960", "2880"}, transitions: true},
	{name: "surround51", layout: pcm.VorbisLayout(6), toc: []string{"CELT", "stereo"}, modes: [3]bool{false, true, true}},
	{name: "family255", layout: pcm.Layout{pcm.Unknown, pcm.Unknown}, toc: []string{"Hybrid"}, modes: [3]bool{false, true, false}},
}

// decoded is a fixture decoded with this package and the Ogg reader.
type decoded struct {
	head      opus.Head
	dec       *opus.Decoder
	out       [][]float32 // all decoded samples, before trimming
	granule   int64       // granule position of the last page
	toc       map[string]int
	stats     opus.DecodeStats
	badRanges []string
}

// decodeFile decodes an Ogg Opus file packet by packet; ranges, when not
// nil, are the final ranges the encoder logged for the audio packets.
func decodeFile(t *testing.T, path string, ranges []uint32) *decoded {
	t.Helper()
	r := ogg.NewReader(audiotest.Open(t, path))
	d := &decoded{granule: -1, toc: map[string]int{}}
	for n := 0; ; n++ {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		switch n {
		case 0:
			if d.head, err = opus.ParseHead(p.Data); err != nil {
				t.Fatal(err)
			}
			if d.dec, err = opus.NewDecoder(d.head); err != nil {
				t.Fatal(err)
			}
			d.out = make([][]float32, d.head.Channels)
			continue
		case 1:
			if !strings.HasPrefix(string(p.Data), "OpusTags") {
				t.Fatalf("second packet is not OpusTags")
			}
			continue
		}
		countTOC(d.toc, p.Data)
		b, err := d.dec.Decode(p.Data)
		if err != nil {
			t.Fatalf("audio packet %d: %v", n-2, err)
		}
		if len(b) != d.head.Channels {
			t.Fatalf("audio packet %d: %d channels, want %d", n-2, len(b), d.head.Channels)
		}
		for c := range b {
			if len(b[c]) != len(b[0]) {
				t.Fatalf("audio packet %d: channels of different lengths", n-2)
			}
			d.out[c] = append(d.out[c], b[c]...)
		}
		if k := n - 2; ranges != nil && k < len(ranges) && d.dec.FinalRange() != ranges[k] {
			d.badRanges = append(d.badRanges, fmt.Sprintf("packet %d: final range %d, encoder %d", k, d.dec.FinalRange(), ranges[k]))
		}
		if p.Granule >= 0 {
			d.granule = p.Granule
		}
	}
	d.stats = opus.Stats(d.dec)
	return d
}

// countTOC adds what a packet's TOC byte and framing say to hist.
func countTOC(hist map[string]int, p []byte) {
	toc := p[0]
	cfg := toc >> 3
	frame := 0
	switch {
	case cfg < 12:
		hist["SILK"]++
		frame = [4]int{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16:
		hist["Hybrid"]++
		frame = [2]int{480, 960}[cfg&1]
	default:
		hist["CELT"]++
		frame = [4]int{120, 240, 480, 960}[cfg&3]
	}
	hist[strconv.Itoa(frame)]++
	hist[fmt.Sprintf("code%d", toc&3)]++
	if toc&4 != 0 {
		hist["stereo"]++
	}
	if toc&3 == 3 && len(p) > 1 && p[1]&0x40 != 0 {
		hist["padded"]++
	}
	if len(p) == 1 {
		hist["dtx"]++
	}
}

// rangeField matches the final range of each stream in a line of an
// opusenc --save-range log: "[[...], MODE, BW, S, 960, RANGE]", one per
// stream.
var rangeField = regexp.MustCompile(`([0-9]+)\](,\s*\[|$)`)

// readRanges reads an opusenc --save-range log and returns, per packet,
// the XOR of its streams' final ranges.
func readRanges(t *testing.T, path string) []uint32 {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r []uint32
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		m := rangeField.FindAllStringSubmatch(l, -1)
		if m == nil {
			t.Fatalf("%s: bad line %q", path, l)
		}
		var x uint32
		for _, f := range m {
			v, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				t.Fatalf("%s: bad line %q", path, l)
			}
			x ^= uint32(v)
		}
		r = append(r, x)
	}
	return r
}

// refOrder returns, for each output channel, the index of the channel with
// the same position in ffmpeg's output: ffmpeg reorders channel mapping
// family 1 to its own order (pcm.DefaultLayout).
func refOrder(l pcm.Layout, family int) []int {
	order := make([]int, len(l))
	for c := range order {
		order[c] = c
	}
	if family != 1 || len(l) <= 2 {
		return order
	}
	def := pcm.DefaultLayout(len(l))
	for c, pos := range l {
		for rc, rpos := range def {
			if pos == rpos {
				order[c] = rc
			}
		}
	}
	return order
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			path := filepath.Join("testdata", fx.name+".opus")
			ranges := readRanges(t, path+".rng")
			d := decodeFile(t, path, ranges)
			if got := d.dec.Layout(); got.String() != fx.layout.String() {
				t.Errorf("layout %v, want %v", got, fx.layout)
			}
			if d.dec.Channels() != len(fx.layout) {
				t.Errorf("%d channels, want %d", d.dec.Channels(), len(fx.layout))
			}
			for _, e := range d.badRanges[:min(len(d.badRanges), 5)] {
				t.Error(e)
			}
			if ranges != nil && len(d.badRanges) == 0 {
				t.Logf("final range of all %d packets matches the encoder's", len(ranges))
			}
			for _, k := range fx.toc {
				if d.toc[k] == 0 {
					t.Errorf("no %s packet (TOC histogram %v)", k, d.toc)
				}
			}
			s := d.stats
			for m, want := range fx.modes {
				if want && s.Frames[m] == 0 {
					t.Errorf("no frame of mode %d decoded: %+v", m, s)
				}
			}
			for _, c := range []struct {
				want bool
				n    int
				what string
			}{
				{fx.lbrr, s.LBRR, "LBRR frames"},
				{fx.dtx, s.Concealed, "concealed (DTX) frames"},
				{fx.transitions, s.Transitions, "mode transitions without redundancy"},
				{fx.celtToSilk, s.CELTToSILK, "CELT-to-SILK redundant frames"},
				{fx.silkToCelt, s.SILKToCELT, "SILK-to-CELT redundant frames"},
			} {
				if c.want && c.n == 0 {
					t.Errorf("no %s: %+v", c.what, s)
				}
			}
			t.Logf("TOC %v; decoder %+v", d.toc, s)

			// RFC 7845 section 4: drop PreSkip samples; the stream ends at
			// the last granule position.
			if d.granule < int64(d.head.PreSkip) {
				t.Fatalf("last granule %d before the pre-skip %d", d.granule, d.head.PreSkip)
			}
			total := int(d.granule) - d.head.PreSkip
			for c := range d.out {
				if len(d.out[c]) < d.head.PreSkip+total {
					t.Fatalf("decoded %d samples, the granule says %d", len(d.out[c]), d.head.PreSkip+total)
				}
				d.out[c] = d.out[c][d.head.PreSkip : d.head.PreSkip+total]
			}
			ref := audiotest.ReadRef(t, path+".s16le.gz", d.head.Channels)
			if ref.Frames() != total {
				t.Fatalf("%d frames, ffmpeg decodes %d", total, ref.Frames())
			}
			q := audiotest.Quantize(d.out, 16)
			order := refOrder(d.dec.Layout(), d.head.MappingFamily)
			for c := range q {
				rc := ref.Channel(order[c])
				snr := audiotest.SNR(rc, q[c])
				if snr < minSNR || math.IsNaN(snr) {
					t.Errorf("channel %d: SNR %.1f dB, max diff %d, want ≥ %d dB", c, snr, audiotest.MaxDiff(rc, q[c]), minSNR)
				} else {
					t.Logf("channel %d: SNR %.1f dB, max diff %d", c, snr, audiotest.MaxDiff(rc, q[c]))
				}
			}
		})
	}
}
