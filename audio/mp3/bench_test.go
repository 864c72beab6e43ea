package mp3

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchmarkDecode decodes a fixture b.N times and reports audio seconds
// decoded per wall-clock second (audio-s/s) and per second of the
// process's CPU time (audio-s/cpu-s), which a machine shared with other
// work does not skew.
func benchmarkDecode(b *testing.B, name string) {
	data := readFixture(b, name)
	var seconds float64
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		dec, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			blk, err := dec.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(blk[0])
		}
		seconds = float64(n) / float64(dec.Info().SampleRate)
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
	if cpu > 0 {
		b.ReportMetric(seconds*float64(b.N)/cpu.Seconds(), "audio-s/cpu-s")
	}
}

// BenchmarkDecodeMP3Stereo44k decodes 0.6 s of 128 kbit/s joint stereo at
// 44.1 kHz (MPEG-1).
func BenchmarkDecodeMP3Stereo44k(b *testing.B) { benchmarkDecode(b, "cbr128_44k_joint.mp3") }

// BenchmarkDecodeMP3Mono22k decodes 1.5 s of 48 kbit/s mono at 22.05 kHz
// (MPEG-2).
func BenchmarkDecodeMP3Mono22k(b *testing.B) { benchmarkDecode(b, "mpeg2_22k_mono.mp3") }
