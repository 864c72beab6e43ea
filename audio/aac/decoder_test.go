package aac

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// minSNR is the accuracy bar against ffmpeg's floating-point decoder, per
// channel, in dB on 16-bit samples.
const minSNR = 60

// fixture is one test file of testdata/make.sh.
type fixture struct {
	name   string
	rate   int
	layout pcm.Layout // ours: AAC element order
	ffmpeg pcm.Layout // the reference's channel order
	tools  tool       // coding tools the file must use
}

// common are the tools every fixture of ffmpeg's encoder uses.
const common = toolShortWindows | toolStartStop | toolKBD | toolEscape

var fixtures = []fixture{
	{"mono16k-64k.aac", 16000, pcm.LayoutMono, pcm.LayoutMono, common | toolTNS},
	{"mono8k-32k.aac", 8000, pcm.LayoutMono, pcm.LayoutMono, common},
	{"stereo44k-128k.aac", 44100, pcm.LayoutStereo, pcm.LayoutStereo, common | toolMidSide},
	{"stereo48k-96k.aac", 48000, pcm.LayoutStereo, pcm.LayoutStereo, common | toolMidSide},
	{"stereo44k-is-ms.aac", 44100, pcm.LayoutStereo, pcm.LayoutStereo, common | toolMidSide | toolIntensity},
	{"stereo32k-tns.aac", 32000, pcm.LayoutStereo, pcm.LayoutStereo, common | toolTNS},
	{"stereo16k-pce.aac", 16000, pcm.LayoutStereo, pcm.LayoutStereo, common | toolPCE},
	{"surround24k.aac", 24000,
		pcm.Layout{pcm.FrontCenter, pcm.FrontLeft, pcm.FrontRight, pcm.BackLeft, pcm.BackRight, pcm.LowFrequency},
		pcm.DefaultLayout(6), common},
	// The noise of PNS is random by the specification; the decoder's
	// generator is ffmpeg's, so these match too (TestPNSBandEnergy checks
	// them with another seed, by band energy).
	{"mono44k-pns.aac", 44100, pcm.LayoutMono, pcm.LayoutMono, common | toolNoise},
	{"stereo44k-pns-ms.aac", 44100, pcm.LayoutStereo, pcm.LayoutStereo, common | toolNoise | toolMidSide},
}

func TestFixturesMatchFFmpeg(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			dec, err := NewADTSDecoder(bytes.NewReader(audiotest.ReadFixture(t, f.name)))
			if err != nil {
				t.Fatal(err)
			}
			info := dec.Info()
			if info.SampleRate != f.rate || info.Layout.String() != f.layout.String() || info.Frames != -1 || info.Codec != "adts/aac" {
				t.Errorf("info %+v (layout %v), want rate %d layout %v, Frames -1", info, info.Layout, f.rate, f.layout)
			}
			got, err := audiotest.Drain(dec)
			if err != nil {
				t.Fatal(err)
			}
			if used := dec.(*adtsDecoder).dec.used; used&f.tools != f.tools {
				t.Errorf("the file uses %s, not all of %s", toolList(used), toolList(f.tools))
			}
			ref := audiotest.ReadRef(t, filepath.Join("testdata", f.name+".s16le.gz"), len(f.ffmpeg))
			q := audiotest.Quantize(got, 16)
			for c, pos := range f.layout {
				rc := -1
				for i, p := range f.ffmpeg {
					if p == pos {
						rc = i
					}
				}
				if len(q[c]) != ref.Frames() {
					t.Errorf("channel %v: %d frames, ffmpeg %d", pos, len(q[c]), ref.Frames())
				}
				snr := audiotest.SNR(ref.Channel(rc), q[c])
				t.Logf("channel %v: SNR %.1f dB, max diff %d", pos, snr, audiotest.MaxDiff(ref.Channel(rc), q[c]))
				if snr < minSNR || math.IsNaN(snr) {
					t.Errorf("channel %v: SNR %.1f dB, want ≥ %d", pos, snr, minSNR)
				}
			}
		})
	}
}

// splitADTS returns the raw_data_blocks of an ADTS stream of frames
// without CRC, each holding one block, and the header of the first.
func splitADTS(tb testing.TB, data []byte) ([][]byte, adtsHeader) {
	tb.Helper()
	var blocks [][]byte
	var first adtsHeader
	for len(data) > 0 {
		h, err := parseADTSHeader(data[:adtsHeaderSize])
		if err != nil || h.crc || h.blocks != 1 || h.frameLength > len(data) {
			tb.Fatalf("splitADTS: %+v, %v", h, err)
		}
		if blocks == nil {
			first = h
		}
		blocks = append(blocks, data[adtsHeaderSize:h.frameLength])
		data = data[h.frameLength:]
	}
	return blocks, first
}

// TestDecodeRawBlocks decodes the fixtures' raw_data_blocks through
// ParseConfig, NewDecoder and Decode, as the MP4 and Matroska demuxers
// do, and checks the output is the ADTS decoder's.
func TestDecodeRawBlocks(t *testing.T) {
	for _, f := range fixtures {
		if f.name == "stereo16k-pce.aac" {
			continue // its channels come from the in-band PCE
		}
		data := audiotest.ReadFixture(t, f.name)
		blocks, h := splitADTS(t, data)
		cfg, err := ParseConfig(asc(2, h.samplingIndex, 0, h.channelConfig, false, nil))
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewDecoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if dec.SampleRate() != f.rate || dec.Layout().String() != f.layout.String() || dec.Channels() != len(f.layout) {
			t.Errorf("%s: rate %d layout %v", f.name, dec.SampleRate(), dec.Layout())
		}
		adts, err := NewADTSDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for i, blk := range blocks {
			got, err := dec.Decode(blk)
			if err != nil {
				t.Fatalf("%s block %d: %v", f.name, i, err)
			}
			want, err := adts.Next()
			if err != nil {
				t.Fatal(err)
			}
			for c := range want {
				if len(got[c]) != frameLength {
					t.Fatalf("%s block %d: %d samples", f.name, i, len(got[c]))
				}
				for k := range want[c] {
					if got[c][k] != want[c][k] {
						t.Fatalf("%s block %d channel %d sample %d: %v, ADTS decoder %v", f.name, i, c, k, got[c][k], want[c][k])
					}
				}
			}
		}
	}
}

// TestPulses checks pulse data (which ffmpeg's encoder never writes): a
// frame whose pulses raise quantized values decodes as the frame with
// those values raised in its spectral data.
func TestPulses(t *testing.T) {
	const sfi = 4
	var plain, pulsed testICS
	for _, s := range []*testICS{&plain, &pulsed} {
		s.globalGain, s.maxSFB = 120, 20
		for k := range 200 {
			s.q[k] = int32((k*7)%11 - 5)
		}
	}
	pulsed.q[40], pulsed.q[41], pulsed.q[45] = 3, -3, 0
	pulsed.pulseStart = 9 // band 9 starts at line 36 at 44.1 kHz
	pulsed.pulse = &pulseData{n: 3, offset: [4]int{4, 5, 9}, amp: [4]int32{2, 2, 15}}
	plain.q[40], plain.q[41], plain.q[45] = 5, -5, -15
	if bandTablesByIndex[sfi].long[9] != 36 {
		t.Fatal("band 9 does not start at line 36")
	}
	decode := func(s *testICS) []float32 {
		d, err := NewDecoder(Config{ObjectType: 2, SampleRate: 44100, SamplingIndex: sfi, Channels: 1, ChannelConfig: 1, FrameLength: 1024})
		if err != nil {
			t.Fatal(err)
		}
		var out []float32
		for range 2 {
			o, err := d.Decode(sceBlock(s, sfi))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, o[0]...)
		}
		return out
	}
	a, b := decode(&plain), decode(&pulsed)
	energy := 0.0
	for i := range a {
		energy += float64(a[i]) * float64(a[i])
		if a[i] != b[i] {
			t.Fatalf("sample %d: %v with pulses, %v with the values raised", i, b[i], a[i])
		}
	}
	if energy == 0 {
		t.Fatal("the test frame decodes to silence")
	}
}

// writeCrafted makes TestCraftedPulses write its stream to testdata, for
// testdata/make.sh to decode with ffmpeg.
var writeCrafted = flag.Bool("write-crafted", false, "write testdata/pulses.aac")

// pulseStream returns an ADTS stream of ten mono 44.1 kHz frames whose
// spectra carry pulse data, made by the test encoder.
func pulseStream() []byte {
	var out []byte
	for f := range 10 {
		s := testICS{globalGain: 140 + f, maxSFB: 30, shape: uint32(f % 2)}
		for k := range 300 {
			s.q[k] = int32((k*(7+f))%13 - 6)
		}
		s.q[40+f], s.q[41+f], s.q[45+f], s.q[100] = 3, -3, 0, 40*int32(f)
		s.pulseStart = 9
		s.pulse = &pulseData{n: 4, offset: [4]int{4 + f, 5 + f, 9 + f, 30}, amp: [4]int32{2, 2, 15, int32(f)}}
		out = append(out, adtsFrame(4, 1, sceBlock(&s, 4))...)
	}
	return out
}

// TestCraftedPulses decodes pulseStream, which is testdata/pulses.aac,
// against ffmpeg's decode of that file.
func TestCraftedPulses(t *testing.T) {
	data := pulseStream()
	path := filepath.Join("testdata", "pulses.aac")
	if *writeCrafted {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(audiotest.ReadFixture(t, "pulses.aac"), data) {
		t.Fatal("testdata/pulses.aac is not the test encoder's stream: run testdata/make.sh")
	}
	dec, err := NewADTSDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := audiotest.Drain(dec)
	if err != nil {
		t.Fatal(err)
	}
	if dec.(*adtsDecoder).dec.used&toolPulse == 0 {
		t.Fatal("the stream uses no pulses")
	}
	ref := audiotest.ReadRef(t, path+".s16le.gz", 1)
	q := audiotest.Quantize(got, 16)
	snr := audiotest.SNR(ref.Channel(0), q[0])
	t.Logf("SNR %.1f dB", snr)
	if len(q[0]) != ref.Frames() || snr < minSNR {
		t.Errorf("%d frames (ffmpeg %d), SNR %.1f dB, want ≥ %d", len(q[0]), ref.Frames(), snr, minSNR)
	}
}

// toolNames names the tools in bit order.
var toolNames = [...]string{"short windows", "start/stop windows", "KBD window", "TNS", "pulses",
	"M/S", "intensity", "PNS", "escape codebook", "PCE", "fill"}

// toolList names the tools of a set.
func toolList(set tool) string {
	var names []string
	for i, n := range toolNames {
		if set&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// TestExtremeFramesStayFinite decodes frames at the limits of the syntax:
// the largest scale factor and escape values under a TNS filter of the
// highest order with every reflection coefficient at its extreme. The
// output must stay finite.
func TestExtremeFramesStayFinite(t *testing.T) {
	s := testICS{globalGain: 255, maxSFB: 30}
	for k := range s.q {
		s.q[k] = 8191
		if k%3 == 0 {
			s.q[k] = -8191
		}
	}
	for _, coef := range []uint32{8, 7} {
		s.tnsCoef = make([]uint32, tnsMaxOrderLong)
		for i := range s.tnsCoef {
			s.tnsCoef[i] = coef
		}
		d, err := NewDecoder(Config{ObjectType: 2, SampleRate: 48000, SamplingIndex: 3, Channels: 1, ChannelConfig: 1, FrameLength: 1024})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			out, err := d.Decode(sceBlock(&s, 3))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range out[0] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("coefficients %d: sample %d is %v", coef, i, v)
				}
			}
		}
	}
}
