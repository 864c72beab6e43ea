package audiotest

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// ReportSpeed reports the speed of a decoding benchmark that decoded
// audioSeconds of audio in all (over every iteration, not one) in wall
// time wall and CPU time cpu: as audio seconds per wall-clock second,
// "audio-s/s", and, when cpu is positive (CPUTime measures it), per CPU
// second, "audio-s/cpu-s", which a loaded machine does not skew.
//
// The usual shape is
//
//	start, cpu := time.Now(), audiotest.CPUTime()
//	for b.Loop() { … }
//	audiotest.ReportSpeed(b, seconds, time.Since(start), audiotest.CPUTime()-cpu)
func ReportSpeed(b *testing.B, audioSeconds float64, wall, cpu time.Duration) {
	b.ReportMetric(audioSeconds/wall.Seconds(), "audio-s/s")
	if cpu > 0 {
		b.ReportMetric(audioSeconds/cpu.Seconds(), "audio-s/cpu-s")
	}
}

// BenchDecode is the decoding benchmark of a codec package: each iteration
// makes a decoder of file, the bytes of a whole file, with open and
// decodes it to its end. It reports the input bytes decoded per second,
// the allocations, and, with ReportSpeed, the audio seconds decoded per
// wall-clock and per CPU second.
func BenchDecode(b *testing.B, file []byte, open func(file []byte) (pcm.Decoder, error)) {
	var seconds float64
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	start, cpu := time.Now(), CPUTime()
	for b.Loop() {
		dec, err := open(file)
		if err != nil {
			b.Fatal(err)
		}
		frames, err := Count(dec)
		if err != nil {
			b.Fatal(err)
		}
		seconds += float64(frames) / float64(dec.Info().SampleRate)
	}
	ReportSpeed(b, seconds, time.Since(start), CPUTime()-cpu)
}
