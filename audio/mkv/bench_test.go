package mkv

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// benchDecode decodes the fixture name b.N times and reports audio seconds
// decoded per wall-clock second.
func benchDecode(b *testing.B, name string) {
	data := readFixture(b, name)
	frames, rate := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		dec, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		rate, frames = dec.Info().SampleRate, 0
		for {
			blk, err := dec.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			frames += len(blk[0])
		}
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(frames)/float64(rate)*float64(b.N)/elapsed, "audio-s/s")
}

// BenchmarkDecodeOpusWebM: WebM, Opus 32 kbit/s mono, 1 s.
func BenchmarkDecodeOpusWebM(b *testing.B) { benchDecode(b, "opus_mono.webm") }

// BenchmarkDecodeOpusStereoMKV: Matroska, Opus 48 kbit/s stereo, 0.5 s.
func BenchmarkDecodeOpusStereoMKV(b *testing.B) { benchDecode(b, "opus_stereo.mkv") }

// BenchmarkDecodeVorbisWebM: WebM, Vorbis q3 22.05 kHz stereo, 0.9 s.
func BenchmarkDecodeVorbisWebM(b *testing.B) { benchDecode(b, "vorbis_stereo.webm") }

// BenchmarkDecodeLiveWebM: unknown-size Clusters, Opus 24 kbit/s, 0.8 s.
func BenchmarkDecodeLiveWebM(b *testing.B) { benchDecode(b, "live.webm") }

// BenchmarkDemux extracts the packets of opus_mono.webm without decoding
// them: the demuxer's own cost, in audio seconds per second.
func BenchmarkDemux(b *testing.B) {
	data := readFixture(b, "opus_mono.webm")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		d, err := newDecoder(bytes.NewReader(data), openNull)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(1.0*float64(b.N)/time.Since(start).Seconds(), "audio-s/s")
}
