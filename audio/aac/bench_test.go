package aac

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchmarkADTS decodes a fixture b.N times and reports audio seconds
// decoded per wall-clock second (audio-s/s) and, where the platform tells
// the process's CPU time, per CPU second (audio-s/cpu-s), which a loaded
// machine does not skew.
func benchmarkADTS(b *testing.B, name string) {
	audiotest.BenchDecode(b, audiotest.ReadFixture(b, name), func(file []byte) (pcm.Decoder, error) {
		return NewADTSDecoder(bytes.NewReader(file))
	})
}

func BenchmarkDecodeADTSStereo44k128k(b *testing.B) { benchmarkADTS(b, "stereo44k-128k.aac") }
func BenchmarkDecodeADTSMono16k64k(b *testing.B)    { benchmarkADTS(b, "mono16k-64k.aac") }
func BenchmarkDecodeADTSSurround24k(b *testing.B)   { benchmarkADTS(b, "surround24k.aac") }
