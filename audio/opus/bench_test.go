package opus_test

import (
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/opus"
)

// readHeadPacket returns the OpusHead packet of a fixture.
func readHeadPacket(tb testing.TB, name string) []byte {
	tb.Helper()
	p, err := ogg.NewReader(audiotest.Open(tb, filepath.Join("testdata", name+".opus"))).NextPacket()
	if err != nil {
		tb.Fatal(err)
	}
	return append([]byte(nil), p.Data...)
}

// readPackets returns the OpusHead and the audio packets of a fixture.
func readPackets(tb testing.TB, name string) (opus.Head, [][]byte) {
	tb.Helper()
	r := ogg.NewReader(audiotest.Open(tb, filepath.Join("testdata", name+".opus")))
	var head opus.Head
	var pkts [][]byte
	for n := 0; ; n++ {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		switch n {
		case 0:
			if head, err = opus.ParseHead(p.Data); err != nil {
				tb.Fatal(err)
			}
		case 1:
		default:
			pkts = append(pkts, append([]byte(nil), p.Data...))
		}
	}
	return head, pkts
}

// benchmarkDecode decodes all packets of a fixture per iteration and
// reports audio seconds decoded per wall-clock second (audio-s/s) and per
// second of the process's CPU time (audio-s/cpu-s).
func benchmarkDecode(b *testing.B, name string) {
	head, pkts := readPackets(b, name)
	dec, err := opus.NewDecoder(head)
	if err != nil {
		b.Fatal(err)
	}
	samples := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := audiotest.CPUTime()
	for b.Loop() {
		dec.Reset()
		for _, p := range pkts {
			out, err := dec.Decode(p)
			if err != nil {
				b.Fatal(err)
			}
			samples += len(out[0])
		}
	}
	audiotest.ReportSpeed(b, float64(samples)/48000, b.Elapsed(), audiotest.CPUTime()-cpu)
}

func BenchmarkDecodeCELT64kStereo(b *testing.B)   { benchmarkDecode(b, "celt_64k_stereo") }
func BenchmarkDecodeCELT2_5ms(b *testing.B)       { benchmarkDecode(b, "celt_128k_2.5ms") }
func BenchmarkDecodeHybrid32kStereo(b *testing.B) { benchmarkDecode(b, "hybrid_32k_stereo") }
func BenchmarkDecodeSILKNB8k(b *testing.B)        { benchmarkDecode(b, "silk_nb_8k") }
func BenchmarkDecodeSILKStereo(b *testing.B)      { benchmarkDecode(b, "silk_stereo_24k") }
func BenchmarkDecodeSurround51(b *testing.B)      { benchmarkDecode(b, "surround51") }
