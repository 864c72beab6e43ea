package flac

import (
	"bytes"
	"os"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchDecode decodes a committed test file b.N times and reports audio
// seconds decoded per wall-clock second, and per second of the process's
// CPU time (steadier when other processes compete for the cores).
func benchDecode(b *testing.B, path string) {
	audiotest.BenchDecode(b, audiotest.ReadFile(b, path), func(file []byte) (pcm.Decoder, error) {
		return NewDecoder(bytes.NewReader(file))
	})
}

// BenchmarkDecode44kStereo16 decodes 16-bit stereo at 44.1 kHz (LPC order
// 8, stereo decorrelation), the case the speed target is set for.
func BenchmarkDecode44kStereo16(b *testing.B) { benchDecode(b, "testdata/s16-44k-stereo.flac") }

// BenchmarkDecode96kStereo24 decodes 24-bit stereo at 96 kHz (flac -8).
func BenchmarkDecode96kStereo24(b *testing.B) { benchDecode(b, "testdata/s24-96k-stereo.flac") }

// BenchmarkDecode16kMonoLPC32 decodes 16-bit mono at 16 kHz with LPC
// orders up to 32.
func BenchmarkDecode16kMonoLPC32(b *testing.B) { benchDecode(b, "testdata/s16-16k-mono-lpc32.flac") }

// BenchmarkDecodeFile decodes the file $FLAC_BENCH_FILE, for comparisons
// with ffmpeg on longer files than the committed ones; it is skipped when
// the variable is unset.
func BenchmarkDecodeFile(b *testing.B) {
	path := os.Getenv("FLAC_BENCH_FILE")
	if path == "" {
		b.Skip("FLAC_BENCH_FILE is not set")
	}
	benchDecode(b, path)
}
