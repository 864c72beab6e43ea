package mp4

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// benchmarkDecode decodes a fixture b.N times and reports audio seconds
// decoded per wall-clock second.
func benchmarkDecode(b *testing.B, name string, open func(io.ReadSeeker) (*Decoder, error)) {
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	frames := 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		dec, err := open(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		frames = 0
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
		if b.N == 1 {
			b.Logf("%d frames at %d Hz", frames, dec.Info().SampleRate)
		}
	}
	seconds := float64(frames) / float64(mustRate(b, data, open))
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

func mustRate(b *testing.B, data []byte, open func(io.ReadSeeker) (*Decoder, error)) int {
	dec, err := open(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return dec.Info().SampleRate
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
