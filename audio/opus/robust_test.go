package opus_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/opus"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// checkOutput fails unless out is a well-formed block: one slice per
// channel, all of one length of at most 120 ms, finite samples.
func checkOutput(t *testing.T, what string, out [][]float32, channels int) {
	t.Helper()
	if len(out) != channels {
		t.Fatalf("%s: %d channels, want %d", what, len(out), channels)
	}
	for c := range out {
		if len(out[c]) != len(out[0]) || len(out[c]) > opus.MaxPacketSamples {
			t.Fatalf("%s: channel %d has %d samples (channel 0: %d)", what, c, len(out[c]), len(out[0]))
		}
		for i, v := range out[c] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v > 2 || v < -2 {
				t.Fatalf("%s: channel %d sample %d is %v", what, c, i, v)
			}
		}
	}
}

// TestTruncatedPackets cuts every packet of every fixture at several
// lengths: the decoder returns an error wrapping pcm.ErrMalformed or
// decodes what is left (Opus has no checksum and a cut frame of code 0 is
// still a frame), and it goes on decoding the next packet.
func TestTruncatedPackets(t *testing.T) {
	for _, fx := range fixtures {
		head, pkts := readPackets(t, fx.name)
		dec, err := opus.NewDecoder(head)
		if err != nil {
			t.Fatal(err)
		}
		malformed, decoded := 0, 0
		for i, p := range pkts {
			for _, cut := range []int{0, 1, 2, 3, len(p) / 3, len(p) / 2, len(p) - 1} {
				if cut < 0 || cut >= len(p) {
					continue
				}
				out, err := dec.Decode(p[:cut])
				switch {
				case errors.Is(err, pcm.ErrMalformed):
					malformed++
				case err != nil:
					t.Fatalf("%s packet %d cut to %d: %v, want ErrMalformed", fx.name, i, cut, err)
				default:
					decoded++
					checkOutput(t, fx.name, out, head.Channels)
				}
			}
			out, err := dec.Decode(p)
			if err != nil {
				t.Fatalf("%s packet %d after truncated ones: %v", fx.name, i, err)
			}
			checkOutput(t, fx.name, out, head.Channels)
		}
		if malformed == 0 {
			t.Errorf("%s: no truncated packet was rejected", fx.name)
		}
		t.Logf("%s: %d cuts rejected, %d decoded", fx.name, malformed, decoded)
	}
}

// TestCorruptPackets flips bytes of the fixtures' packets: every result is
// an error wrapping pcm.ErrMalformed or well-formed audio.
func TestCorruptPackets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, fx := range fixtures {
		head, pkts := readPackets(t, fx.name)
		dec, err := opus.NewDecoder(head)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for round := 0; round < 8; round++ {
			for i, p := range pkts {
				q := bytes.Clone(p)
				for k := 0; k < 1+rng.IntN(3); k++ {
					q[rng.IntN(len(q))] ^= byte(1 + rng.IntN(255))
				}
				out, err := dec.Decode(q)
				if err != nil {
					if !errors.Is(err, pcm.ErrMalformed) {
						t.Fatalf("%s packet %d: %v", fx.name, i, err)
					}
					bad++
					continue
				}
				checkOutput(t, fx.name, out, head.Channels)
			}
		}
		t.Logf("%s: %d of %d corrupt packets rejected", fx.name, bad, 8*len(pkts))
	}
}

// TestTruncatedFiles cuts fixtures at many offsets and reads them with the
// Ogg reader: decoding stops at an error wrapping pcm.ErrMalformed, never
// another error and never a panic, and ends cleanly only where the cut
// falls between two pages.
func TestTruncatedFiles(t *testing.T) {
	for _, name := range []string{"hybrid_cbr_60ms", "surround51", "silk_mb_60ms_fec", "celt_64k_maxdelay0"} {
		data := audiotest.ReadFixture(t, name+".opus")
		for cut := 0; cut < len(data); cut += 1 + len(data)/211 {
			r := ogg.NewReader(bytes.NewReader(data[:cut]))
			var dec *opus.Decoder
			for n := 0; ; n++ {
				p, err := r.NextPacket()
				if errors.Is(err, io.EOF) {
					if cut > 0 && (cut+4 > len(data) || string(data[cut:cut+4]) != "OggS") {
						t.Errorf("%s cut at %d, inside a page: clean end of stream", name, cut)
					}
					break
				}
				if err != nil {
					if !errors.Is(err, pcm.ErrMalformed) {
						t.Fatalf("%s cut at %d: %v", name, cut, err)
					}
					break
				}
				switch {
				case n == 0:
					h, err := opus.ParseHead(p.Data)
					if err != nil {
						t.Fatalf("%s cut at %d: %v", name, cut, err)
					}
					if dec, err = opus.NewDecoder(h); err != nil {
						t.Fatal(err)
					}
				case n >= 2:
					if _, err := dec.Decode(p.Data); err != nil {
						t.Fatalf("%s cut at %d: packet %d: %v", name, cut, n, err)
					}
				}
			}
		}
	}
}

// TestDecoderMemory: the largest header accepted (64 channels, 64
// streams) makes a decoder of bounded size.
func TestDecoderMemory(t *testing.T) {
	h := opus.Head{Version: 1, Channels: 64, MappingFamily: 255, Streams: 64, Coupled: 64, Mapping: make([]byte, 64)}
	for c := range h.Mapping {
		h.Mapping[c] = byte(c)
	}
	var dec *opus.Decoder
	var err error
	alloc := audiotest.Allocated(func() { dec, err = opus.NewDecoder(h) })
	if err != nil {
		t.Fatal(err)
	}
	if alloc > 8<<20 {
		t.Errorf("decoder of 64 coupled streams allocates %d bytes", alloc)
	}
	t.Logf("decoder of 64 coupled streams: %d bytes", alloc)
	runtime.KeepAlive(dec)
	h.Streams, h.Coupled = 65, 0
	if _, err := opus.NewDecoder(h); !errors.Is(err, pcm.ErrUnsupported) {
		t.Errorf("65 streams: %v, want ErrUnsupported", err)
	}
}

func TestEmptyPacket(t *testing.T) {
	head, pkts := readPackets(t, "celt_64k_stereo")
	dec, err := opus.NewDecoder(head)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(nil); !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("empty packet: %v, want ErrMalformed", err)
	}
	if _, err := dec.Decode(pkts[0]); err != nil {
		t.Errorf("after an empty packet: %v", err)
	}
}

// TestMultistreamFraming checks the rules of multistream packets: every
// stream but the last self-delimited, all of the same duration.
func TestMultistreamFraming(t *testing.T) {
	h := opus.Head{Version: 1, Channels: 2, MappingFamily: 255, Streams: 2, Coupled: 0, Mapping: []byte{0, 1}}
	dec, err := opus.NewDecoder(h)
	if err != nil {
		t.Fatal(err)
	}
	celt20 := byte(31 << 3)
	celt10 := byte(30 << 3)
	// Two DTX frames: a self-delimited stream of 0 bytes, then a plain one.
	out, err := dec.Decode([]byte{celt20, 0, celt20})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, "DTX", out, 2)
	if len(out[0]) != 960 {
		t.Errorf("%d samples, want 960", len(out[0]))
	}
	for _, c := range []struct {
		name string
		p    []byte
	}{
		{"one stream", []byte{celt20}},
		{"durations differ", []byte{celt20, 0, celt10}},
		{"first stream too long", []byte{celt20, 5, 1, celt20}},
		{"second stream missing", []byte{celt20, 1, 1}},
		{"second stream invalid", []byte{celt20, 0, celt20 | 3}},
	} {
		if _, err := dec.Decode(c.p); !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", c.name, err)
		}
	}
}

// TestOutputGain: the header's gain scales the output (by 10^(dB/20)).
func TestOutputGain(t *testing.T) {
	head, pkts := readPackets(t, "silk_nb_8k")
	plain, _ := opus.NewDecoder(head)
	head.OutputGain = -6 * 256 // -6 dB
	quiet, _ := opus.NewDecoder(head)
	want := math.Pow(10, -6.0/20)
	var sum, n float64
	for _, p := range pkts {
		a, err := plain.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		a0 := append([]float32(nil), a[0]...)
		b, err := quiet.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range a0 {
			if math.Abs(float64(v)) > 0.01 && math.Abs(float64(v)) < 0.9 {
				sum += float64(b[0][i]) / float64(v)
				n++
			}
		}
	}
	if n == 0 || math.Abs(sum/n-want) > 1e-3 {
		t.Errorf("gain ratio %.5f over %v samples, want %.5f", sum/n, n, want)
	}
}

// TestReset: after Reset the decoder decodes a stream as a new one.
func TestReset(t *testing.T) {
	head, pkts := readPackets(t, "switch_hybrid_to_celt")
	dec, _ := opus.NewDecoder(head)
	decodeAll := func() []float32 {
		var all []float32
		for _, p := range pkts {
			out, err := dec.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out[0]...)
		}
		return all
	}
	first := decodeAll()
	dec.Reset()
	second := decodeAll()
	if len(first) != len(second) {
		t.Fatalf("lengths %d and %d", len(first), len(second))
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("sample %d differs after Reset: %v, %v", i, first[i], second[i])
		}
	}
}
