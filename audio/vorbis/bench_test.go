package vorbis_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/vorbis"
)

// benchFixtures are the files the benchmarks decode.
var benchFixtures = []string{"q5-44k-stereo.ogg", "q8-48k-stereo.ogg", "q0-16k-mono.ogg", "q3-24k-5.1.ogg"}

// BenchmarkDecodeVorbis decodes whole fixtures through ogg.NewDecoder,
// headers included, and reports audio seconds decoded per second of wall
// time and per second of CPU time (the machine may be shared).
func BenchmarkDecodeVorbis(b *testing.B) {
	for _, name := range benchFixtures {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				b.Fatal(err)
			}
			var seconds float64
			b.ReportAllocs()
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				dec, err := ogg.NewDecoder(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				frames := 0
				for {
					blk, err := dec.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					frames += len(blk[0])
				}
				seconds += float64(frames) / float64(dec.Info().SampleRate)
			}
			reportSpeed(b, seconds, time.Since(start), cpuTime()-cpu)
		})
	}
}

// BenchmarkDecodeVorbisPackets decodes the audio packets of a fixture over
// and over with one decoder: the steady-state speed of a long stream,
// without header parsing and the Ogg layer.
func BenchmarkDecodeVorbisPackets(b *testing.B) {
	for _, name := range benchFixtures {
		b.Run(name, func(b *testing.B) {
			packets := oggPackets(b, filepath.Join("testdata", name))
			dec, err := vorbis.NewDecoder(packets[0], packets[1], packets[2])
			if err != nil {
				b.Fatal(err)
			}
			var frames int
			b.ReportAllocs()
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				for _, p := range packets[3:] {
					out, err := dec.Decode(p)
					if err != nil {
						b.Fatal(err)
					}
					frames += len(out[0])
				}
			}
			reportSpeed(b, float64(frames)/float64(dec.SampleRate()), time.Since(start), cpuTime()-cpu)
		})
	}
}

// reportSpeed reports audio seconds per wall second and per CPU second.
func reportSpeed(b *testing.B, seconds float64, wall, cpu time.Duration) {
	b.ReportMetric(seconds/wall.Seconds(), "audio-s/s")
	if cpu > 0 {
		b.ReportMetric(seconds/cpu.Seconds(), "audio-s/cpu-s")
	}
}

// oggPackets reads every packet of an Ogg file.
func oggPackets(tb testing.TB, path string) [][]byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := ogg.NewReader(f)
	var out [][]byte
	for {
		p, err := r.NextPacket()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, bytes.Clone(p.Data))
	}
}
