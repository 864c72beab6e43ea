package whisper_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper"
)

// benchModelsEnv names a directory of ggml model files (*.bin) for the
// File benchmarks, which run once per file, named by the file's base name:
//
//	go run ./whisper/whispertest/mkmodel -dims base -type f16 -o /tmp/m/base-f16.bin
//	XDNA_BENCH_MODELS=/tmp/m GOMAXPROCS=2 go test -run '^$' -bench 'File' ./whisper/
//
// `make bench` and scripts/bench-vs-whispercpp.sh run them this way on
// files whisper.cpp's programs read too.
const benchModelsEnv = "XDNA_BENCH_MODELS"

// benchFiles returns the model files of XDNA_BENCH_MODELS, skipping b
// when it is not set.
func benchFiles(b *testing.B) []string {
	b.Helper()
	dir := os.Getenv(benchModelsEnv)
	if dir == "" {
		b.Skipf("set %s to a directory of ggml model files (*.bin)", benchModelsEnv)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.bin"))
	if err != nil {
		b.Fatal(err)
	}
	if len(files) == 0 {
		b.Fatalf("%s=%s holds no *.bin files", benchModelsEnv, dir)
	}
	slices.Sort(files)
	return files
}

// eachFile runs fn as a sub-benchmark per model file, the model loaded once
// outside the timing.
func eachFile(b *testing.B, fn func(b *testing.B, m *whisper.Model)) {
	for _, path := range benchFiles(b) {
		b.Run(strings.TrimSuffix(filepath.Base(path), ".bin"), func(b *testing.B) {
			m, err := whisper.Load(path)
			if err != nil {
				b.Fatal(err)
			}
			fn(b, m)
		})
	}
}

// One 30 s window through the encoder of each file's model (whisper.cpp:
// whisper-bench -m FILE -t 2 -w 0, "encode time").
func BenchmarkFileEncoder(b *testing.B) { eachFile(b, benchEncoderOf) }

// One single-sequence decoder step of each file's model, the positions
// cycling through 2–255 as whisper-bench's 256 one-token decodes go through
// n_past 0–255 (whisper-bench -m FILE -t 2, "decode time … per run").
func BenchmarkFileDecoderToken(b *testing.B) {
	eachFile(b, func(b *testing.B, m *whisper.Model) { benchTokens(b, primed(b, m), 256) })
}

// Load of each file (warm page cache): parse and map the file, check and
// convert what is not used as stored. Each load keeps its mapping for the
// life of the process (ggml.Open), so keep -benchtime small for big files.
func BenchmarkFileLoad(b *testing.B) {
	for _, path := range benchFiles(b) {
		b.Run(strings.TrimSuffix(filepath.Base(path), ".bin"), func(b *testing.B) {
			for b.Loop() {
				if _, err := whisper.Load(path); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/load")
		})
	}
}
