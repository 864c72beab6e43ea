package flac

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// probe is what ffprobe reported of a test file (testdata/ffprobe.txt,
// written by testdata/make.sh).
type probe struct {
	rate, channels, bits int
	layout               string // ffmpeg's name, e.g. "5.1"
	samples              int64  // duration_ts: STREAMINFO's total samples
}

func readProbes(t *testing.T) map[string]probe {
	f := audiotest.Open(t, "testdata/ffprobe.txt")
	probes := map[string]probe{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), " ")
		// sample_rate,channels,channel_layout,duration_ts,bits_per_raw_sample
		// (the layouts of these files hold no comma).
		fields := strings.Split(rest, ",")
		if len(fields) != 5 {
			t.Fatalf("ffprobe.txt: bad line %q", sc.Text())
		}
		var p probe
		p.rate, _ = strconv.Atoi(fields[0])
		p.channels, _ = strconv.Atoi(fields[1])
		p.layout = fields[2]
		p.samples, _ = strconv.ParseInt(fields[3], 10, 64)
		p.bits, _ = strconv.Atoi(fields[4])
		probes[name] = p
	}
	if len(probes) == 0 {
		t.Fatal("ffprobe.txt lists no file")
	}
	return probes
}

// ffmpegLayouts spells the ffmpeg layout names the test files use as
// pcm.Layout.String does.
var ffmpegLayouts = map[string]string{
	"mono":   "FC",
	"stereo": "FL+FR",
	"5.1":    "FL+FR+FC+LFE+BL+BR",
}

// decoded is a whole stream as the decoder returned it.
type decoded struct {
	floats [][]float32
	ints   [][]int32
}

// decodeAll decodes a whole stream through Next and Samples.
func decodeAll(t testing.TB, dec *Decoder) (decoded, error) {
	var d decoded
	ch := dec.Info().Channels()
	d.floats = make([][]float32, ch)
	d.ints = make([][]int32, ch)
	for {
		b, err := dec.Next()
		if errors.Is(err, io.EOF) {
			if b != nil {
				t.Errorf("Next returned a block with io.EOF")
			}
			return d, nil
		}
		if err != nil {
			return d, err
		}
		ints := dec.Samples()
		if len(b) != ch || len(ints) != ch {
			t.Fatalf("block of %d (ints %d) channels, want %d", len(b), len(ints), ch)
		}
		for c := range b {
			if len(b[c]) != len(b[0]) || len(ints[c]) != len(b[0]) {
				t.Fatalf("channels of one block differ in length")
			}
			d.floats[c] = append(d.floats[c], b[c]...)
			d.ints[c] = append(d.ints[c], ints[c]...)
		}
	}
}

func TestFixturesMatchReference(t *testing.T) {
	probes := readProbes(t)
	files, _ := filepath.Glob("testdata/*.flac")
	if len(files) != len(probes) {
		t.Fatalf("%d .flac files, ffprobe.txt lists %d", len(files), len(probes))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			p, ok := probes[name]
			if !ok {
				t.Fatalf("not in ffprobe.txt")
			}
			refs, _ := filepath.Glob(path + ".s*le.gz")
			if len(refs) != 1 {
				t.Fatalf("want one reference, have %v", refs)
			}
			ref := audiotest.ReadRef(t, refs[0], p.channels)
			dec, err := NewDecoder(audiotest.Open(t, path))
			if err != nil {
				t.Fatal(err)
			}
			info := dec.Info()
			want := ffmpegLayouts[p.layout]
			if want == "" {
				t.Fatalf("no pcm spelling for ffmpeg layout %q", p.layout)
			}
			switch {
			case info.Codec != "flac":
				t.Errorf("codec %q", info.Codec)
			case info.SampleRate != p.rate:
				t.Errorf("rate %d, ffprobe %d", info.SampleRate, p.rate)
			case info.Layout.String() != want:
				t.Errorf("layout %s, ffprobe %s (%s)", info.Layout, p.layout, want)
			case info.Frames != p.samples:
				t.Errorf("Frames %d, ffprobe %d", info.Frames, p.samples)
			case dec.BitsPerSample() != p.bits:
				t.Errorf("%d bits, ffprobe %d", dec.BitsPerSample(), p.bits)
			}
			got, err := decodeAll(t, dec)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(got.ints[0]); n != ref.Frames() {
				t.Fatalf("%d frames, reference %d", n, ref.Frames())
			}
			bits := dec.BitsPerSample()
			exactFloats := bits <= 24 // float32 holds 24 significant bits
			minSNR := math.Inf(1)
			for c := range p.channels {
				want := ref.Channel(c)
				mism, fmism := 0, 0
				for i, v := range got.ints[c] {
					if int64(v)<<(ref.Bits-bits) != int64(want[i]) {
						mism++
					}
				}
				q := audiotest.Quantize(got.floats[c:c+1], ref.Bits)[0]
				if exactFloats {
					for i := range q {
						if q[i] != want[i] {
							fmism++
						}
					}
				}
				snr := audiotest.SNR(want, q)
				minSNR = min(minSNR, snr)
				if snr < 140 {
					t.Errorf("channel %d: floats at %.1f dB SNR", c, snr)
				}
				if mism != 0 || fmism != 0 {
					t.Errorf("channel %d: %d integer and %d float samples differ from the reference", c, mism, fmism)
				}
			}
			floats := "bit-exact"
			if !exactFloats {
				floats = fmt.Sprintf("%.1f dB SNR (float32 rounding)", minSNR)
			}
			t.Logf("%d Hz, %d bits, %s, %d frames as in %s: integers bit-exact, floats %s",
				info.SampleRate, bits, info.Layout, ref.Frames(), filepath.Base(refs[0]), floats)
		})
	}
}

// The decoder is a pcm.Decoder.
var _ pcm.Decoder = (*Decoder)(nil)
