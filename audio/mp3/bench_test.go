package mp3

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchmarkDecode decodes a fixture b.N times and reports audio seconds
// decoded per wall-clock second (audio-s/s) and per second of the
// process's CPU time (audio-s/cpu-s), which a machine shared with other
// work does not skew.
func benchmarkDecode(b *testing.B, name string) {
	audiotest.BenchDecode(b, audiotest.ReadFixture(b, name), func(file []byte) (pcm.Decoder, error) {
		return NewDecoder(bytes.NewReader(file))
	})
}

// BenchmarkDecodeMP3Stereo44k decodes 0.6 s of 128 kbit/s joint stereo at
// 44.1 kHz (MPEG-1).
func BenchmarkDecodeMP3Stereo44k(b *testing.B) { benchmarkDecode(b, "cbr128_44k_joint.mp3") }

// BenchmarkDecodeMP3Mono22k decodes 1.5 s of 48 kbit/s mono at 22.05 kHz
// (MPEG-2).
func BenchmarkDecodeMP3Mono22k(b *testing.B) { benchmarkDecode(b, "mpeg2_22k_mono.mp3") }
