package vorbis_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/ogg"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
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
			audiotest.BenchDecode(b, audiotest.ReadFixture(b, name), func(file []byte) (pcm.Decoder, error) {
				return ogg.NewDecoder(bytes.NewReader(file))
			})
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
			start, cpu := time.Now(), audiotest.CPUTime()
			for b.Loop() {
				for _, p := range packets[3:] {
					out, err := dec.Decode(p)
					if err != nil {
						b.Fatal(err)
					}
					frames += len(out[0])
				}
			}
			audiotest.ReportSpeed(b, float64(frames)/float64(dec.SampleRate()), time.Since(start), audiotest.CPUTime()-cpu)
		})
	}
}

// oggPackets reads every packet of an Ogg file.
func oggPackets(tb testing.TB, path string) [][]byte {
	tb.Helper()
	r := ogg.NewReader(audiotest.Open(tb, path))
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
