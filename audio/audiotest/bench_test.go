package audiotest_test

import (
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// benchOnce makes testing.Benchmark run one iteration for the rest of the
// test.
func benchOnce(t *testing.T) {
	f := flag.Lookup("test.benchtime")
	old := f.Value.String()
	if err := f.Value.Set("1x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}

func TestReportSpeed(t *testing.T) {
	benchOnce(t)
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
		}
		audiotest.ReportSpeed(b, 10, 2*time.Second, 4*time.Second)
	})
	if res.Extra["audio-s/s"] != 5 || res.Extra["audio-s/cpu-s"] != 2.5 {
		t.Errorf("metrics %v, want audio-s/s 5 and audio-s/cpu-s 2.5", res.Extra)
	}
	res = testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
		}
		audiotest.ReportSpeed(b, 10, 2*time.Second, 0)
	})
	if _, ok := res.Extra["audio-s/cpu-s"]; ok || res.Extra["audio-s/s"] != 5 {
		t.Errorf("without CPU time: metrics %v, want audio-s/s 5 only", res.Extra)
	}
}

func TestBenchDecode(t *testing.T) {
	benchOnce(t)
	file := make([]byte, 100)
	opened := 0
	res := testing.Benchmark(func(b *testing.B) {
		audiotest.BenchDecode(b, file, func(f []byte) (pcm.Decoder, error) {
			if len(f) != len(file) {
				return nil, errors.New("not the file")
			}
			opened++
			return &stereo{lengths: []int{4000, 4000}}, nil // 1 s at 8 kHz
		})
	})
	if res.N < 1 || opened < res.N || res.Bytes != 100 {
		t.Fatalf("%d iterations, %d decoders opened, %d bytes an iteration", res.N, opened, res.Bytes)
	}
	if s := res.Extra["audio-s/s"]; s <= 0 {
		t.Errorf("audio-s/s %v: metrics %v", s, res.Extra)
	}
}
