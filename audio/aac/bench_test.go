package aac

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// benchmarkADTS decodes a fixture b.N times and reports audio seconds
// decoded per wall-clock second (audio-s/s) and, where the platform tells
// the process's CPU time, per CPU second (audio-s/cpu-s), which a loaded
// machine does not skew.
func benchmarkADTS(b *testing.B, name string) {
	data := readFixture(b, name)
	var frames, rate int
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	cpu0, cpuOK := processCPU()
	start := time.Now()
	for b.Loop() {
		dec, err := NewADTSDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		rate = dec.Info().SampleRate
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
	}
	wall := time.Since(start)
	cpu1, _ := processCPU()
	audio := float64(frames) / float64(rate) * float64(b.N)
	b.ReportMetric(audio/wall.Seconds(), "audio-s/s")
	if cpuOK && cpu1 > cpu0 {
		b.ReportMetric(audio/(cpu1-cpu0).Seconds(), "audio-s/cpu-s")
	}
}

func BenchmarkDecodeADTSStereo44k128k(b *testing.B) { benchmarkADTS(b, "stereo44k-128k.aac") }
func BenchmarkDecodeADTSMono16k64k(b *testing.B)    { benchmarkADTS(b, "mono16k-64k.aac") }
func BenchmarkDecodeADTSSurround24k(b *testing.B)   { benchmarkADTS(b, "surround24k.aac") }
