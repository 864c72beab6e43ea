package opus_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/opus"
)

// readFile returns the bytes of a fixture.
func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".opus"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readHeadPacket returns the OpusHead packet of a fixture.
func readHeadPacket(tb testing.TB, name string) []byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".opus"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	p, err := ogg.NewReader(f).NextPacket()
	if err != nil {
		tb.Fatal(err)
	}
	return append([]byte(nil), p.Data...)
}

// readPackets returns the OpusHead and the audio packets of a fixture.
func readPackets(tb testing.TB, name string) (opus.Head, [][]byte) {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".opus"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := ogg.NewReader(f)
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
// CPU second of the decoding thread (audio-s/cpu-s).
func benchmarkDecode(b *testing.B, name string) {
	head, pkts := readPackets(b, name)
	dec, err := opus.NewDecoder(head)
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	samples := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPU()
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
	cpu := threadCPU() - cpu0
	audio := float64(samples) / 48000
	b.ReportMetric(audio/b.Elapsed().Seconds(), "audio-s/s")
	if cpu > 0 {
		b.ReportMetric(audio/cpu.Seconds(), "audio-s/cpu-s")
	}
}

func BenchmarkDecodeCELT64kStereo(b *testing.B)   { benchmarkDecode(b, "celt_64k_stereo") }
func BenchmarkDecodeCELT2_5ms(b *testing.B)       { benchmarkDecode(b, "celt_128k_2.5ms") }
func BenchmarkDecodeHybrid32kStereo(b *testing.B) { benchmarkDecode(b, "hybrid_32k_stereo") }
func BenchmarkDecodeSILKNB8k(b *testing.B)        { benchmarkDecode(b, "silk_nb_8k") }
func BenchmarkDecodeSILKStereo(b *testing.B)      { benchmarkDecode(b, "silk_stereo_24k") }
func BenchmarkDecodeSurround51(b *testing.B)      { benchmarkDecode(b, "surround51") }
