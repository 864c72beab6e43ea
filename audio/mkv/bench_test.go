package mkv

import (
	"bytes"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchDecode decodes the fixture name b.N times and reports audio seconds
// decoded per wall-clock second (audio-s/s) and per second of the
// process's CPU time (audio-s/cpu-s).
func benchDecode(b *testing.B, name string) {
	audiotest.BenchDecode(b, audiotest.ReadFixture(b, name), func(file []byte) (pcm.Decoder, error) {
		return NewDecoder(bytes.NewReader(file))
	})
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
// them: the demuxer's own cost, in audio seconds per second (of wall and
// of CPU time).
func BenchmarkDemux(b *testing.B) {
	data := audiotest.ReadFixture(b, "opus_mono.webm")
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), audiotest.CPUTime()
	for range b.N {
		d, err := newDecoder(bytes.NewReader(data), openNull)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := audiotest.Count(d); err != nil {
			b.Fatal(err)
		}
	}
	wall, cpu := time.Since(start), audiotest.CPUTime()-cpu
	audiotest.ReportSpeed(b, 1.0*float64(b.N), wall, cpu)
}
