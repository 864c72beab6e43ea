package mp4

import (
	"bytes"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchmarkDecode decodes a fixture b.N times, with the decoder open
// makes, and reports audio seconds decoded per wall-clock second
// (audio-s/s) and per second of the process's CPU time (audio-s/cpu-s).
func benchmarkDecode(b *testing.B, name string, open func(io.ReadSeeker) (*Decoder, error)) {
	audiotest.BenchDecode(b, audiotest.ReadFixture(b, name), func(file []byte) (pcm.Decoder, error) {
		return open(bytes.NewReader(file))
	})
}

// BenchmarkDecodeM4A demuxes and decodes 0.5 s of 64 kbps stereo AAC at
// 44.1 kHz.
func BenchmarkDecodeM4A(b *testing.B) {
	benchmarkDecode(b, "aac-stereo44k.m4a", func(r io.ReadSeeker) (*Decoder, error) { return newDecoder(r, newCodec) })
}

// BenchmarkDecodeFragmentedMP4 demuxes and decodes 0.6 s of 64 kbps mono
// AAC at 48 kHz in 100 ms movie fragments.
func BenchmarkDecodeFragmentedMP4(b *testing.B) {
	benchmarkDecode(b, "aac-frag.mp4", func(r io.ReadSeeker) (*Decoder, error) { return newDecoder(r, newCodec) })
}

// BenchmarkDemuxM4A demuxes the same file as BenchmarkDecodeM4A with a
// codec that does nothing: the container's share of the cost.
func BenchmarkDemuxM4A(b *testing.B) {
	benchmarkDecode(b, "aac-stereo44k.m4a", func(r io.ReadSeeker) (*Decoder, error) { return newDecoder(r, openSilence) })
}
