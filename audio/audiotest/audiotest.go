// Package audiotest holds what the decoders' tests share: reading test
// files and the committed ffmpeg reference decodes, draining a decoder or
// counting its frames, comparing samples the way the accuracy bar is
// stated (bit-exact, or SNR in dB), the location of the one source every
// test file is encoded from, the checks the fuzz targets make of a
// decoder's errors and blocks, measuring allocations, and the CPU time
// and speed metrics the benchmarks report.
package audiotest

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Ref is an ffmpeg reference decode: interleaved integer samples.
type Ref struct {
	Channels int
	Bits     int     // 16 or 32: the sample width ffmpeg wrote
	Samples  []int32 // interleaved, Channels per frame
}

// Frames is the number of frames in the reference.
func (r *Ref) Frames() int { return len(r.Samples) / r.Channels }

// ReadRef reads a reference written by
//
//	ffmpeg -i FILE -f s16le -c:a pcm_s16le - | gzip -9n > FILE.s16le.gz
//
// (or s32le for lossless sources deeper than 16 bits). The width comes from
// the name (.s16le.gz or .s32le.gz); the channel count is given.
func ReadRef(tb testing.TB, path string, channels int) *Ref {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("reference: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("reference %s: %v", path, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("reference %s: %v", path, err)
	}
	r := &Ref{Channels: channels}
	switch {
	case strings.HasSuffix(path, ".s16le.gz"):
		r.Bits = 16
		r.Samples = make([]int32, len(raw)/2)
		for i := range r.Samples {
			r.Samples[i] = int32(int16(binary.LittleEndian.Uint16(raw[2*i:])))
		}
	case strings.HasSuffix(path, ".s32le.gz"):
		r.Bits = 32
		r.Samples = make([]int32, len(raw)/4)
		for i := range r.Samples {
			r.Samples[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	default:
		tb.Fatalf("reference %s: name must end in .s16le.gz or .s32le.gz", path)
	}
	if channels <= 0 || len(r.Samples)%channels != 0 {
		tb.Fatalf("reference %s: %d samples is not a whole number of %d-channel frames", path, len(r.Samples), channels)
	}
	return r
}

// ReadFile returns the bytes of the file at path, failing tb if it cannot
// be read.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Open opens the file at path for reading, failing tb if it cannot, and
// closes it when the test or benchmark ends.
func Open(tb testing.TB, path string) *os.File {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// ReadFixture returns the bytes of testdata/name, a test file of the
// package under test, failing tb if it cannot be read.
func ReadFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	return ReadFile(tb, filepath.Join("testdata", name))
}

// Allocated returns the bytes of heap f allocates (runtime.MemStats'
// TotalAlloc across the call, after a garbage collection), for tests that
// bound what a decoder may allocate whatever its input claims.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Drain decodes dec to its end and returns its channels, planar.
func Drain(dec pcm.Decoder) ([][]float32, error) {
	out := make([][]float32, dec.Info().Channels())
	err := each(dec, func(b [][]float32) error {
		if len(b) != len(out) {
			return errors.New("audiotest: block has the wrong number of channels")
		}
		for c := range b {
			out[c] = append(out[c], b[c]...)
		}
		return nil
	})
	return out, err
}

// Count decodes dec to its end and returns the number of frames it
// decoded, without keeping the samples (Drain keeps them). The error is
// the one that ended the decode, nil at io.EOF.
func Count(dec pcm.Decoder) (frames int, err error) {
	err = each(dec, func(b [][]float32) error {
		if len(b) > 0 {
			frames += len(b[0])
		}
		return nil
	})
	return frames, err
}

// each calls f with every block of dec up to the end of the stream and
// returns the error that ended it: nil at io.EOF, else Next's or f's.
func each(dec pcm.Decoder, f func(b [][]float32) error) error {
	for {
		b, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			err = f(b)
		}
		if err != nil {
			return err
		}
	}
}

// S16 converts a float sample to 16 bits exactly as ffmpeg's libswresample
// does (av_clip_int16(lrintf(x * 32768)), rounding half to even).
func S16(x float32) int32 {
	v := math.RoundToEven(float64(x * 32768))
	return int32(max(-32768, min(32767, v)))
}

// S32 converts a float sample to 32 bits as libswresample does
// (av_clipl_int32(llrintf(x * 2^31))).
func S32(x float32) int32 {
	v := math.RoundToEven(float64(x) * 2147483648)
	return int32(max(-2147483648, min(2147483647, v)))
}

// Quantize converts planar float samples to the reference's width.
func Quantize(planar [][]float32, bits int) [][]int32 {
	q := make([][]int32, len(planar))
	for c, ch := range planar {
		q[c] = make([]int32, len(ch))
		for i, v := range ch {
			if bits == 16 {
				q[c][i] = S16(v)
			} else {
				q[c][i] = S32(v)
			}
		}
	}
	return q
}

// Channel returns channel c of the reference.
func (r *Ref) Channel(c int) []int32 {
	out := make([]int32, r.Frames())
	for i := range out {
		out[i] = r.Samples[i*r.Channels+c]
	}
	return out
}

// SNR returns the signal-to-noise ratio of got against ref, in dB:
// 10·log10(Σref² / Σ(ref−got)²), over the common length. Identical
// signals give +Inf.
func SNR(ref, got []int32) float64 {
	var s, n float64
	for i := range min(len(ref), len(got)) {
		r := float64(ref[i])
		d := r - float64(got[i])
		s += r * r
		n += d * d
	}
	if n == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(s/n)
}

// CheckSNR compares decoded samples, planar, with the reference decode ref,
// channel c with the reference's channel c: quantized to the reference's
// width, each channel must reach minSNR dB (SNR), or tb has an error. It
// logs the SNR and the largest difference (MaxDiff) of every channel and
// returns the lowest SNR.
func CheckSNR(tb testing.TB, ref *Ref, got [][]float32, minSNR float64) float64 {
	tb.Helper()
	if len(got) != ref.Channels {
		tb.Fatalf("%d channels, the reference %d", len(got), ref.Channels)
		return math.Inf(-1)
	}
	worst := math.Inf(1)
	for c, q := range Quantize(got, ref.Bits) {
		want := ref.Channel(c)
		snr := SNR(want, q)
		tb.Logf("channel %d: SNR %.1f dB, max diff %d", c, snr, MaxDiff(want, q))
		if snr < minSNR || math.IsNaN(snr) {
			tb.Errorf("channel %d: SNR %.1f dB, want ≥ %g", c, snr, minSNR)
		}
		worst = min(worst, snr)
	}
	return worst
}

// MaxDiff returns the largest |ref−got| over the common length.
func MaxDiff(ref, got []int32) int64 {
	var m int64
	for i := range min(len(ref), len(got)) {
		d := int64(ref[i]) - int64(got[i])
		m = max(m, d, -d)
	}
	return m
}

// SourcePath is the path, relative to an audio/<codec> package directory,
// of the source WAV the fixtures are made from (generated by
// audio/testdata/source.sh, not committed).
const SourcePath = "../testdata/source.wav"

// FFmpeg returns the path of the ffmpeg on PATH for tests of the ffmpeg
// fallback. Without one the test is skipped, except under CI (which
// installs it), where it fails.
func FFmpeg(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI must install ffmpeg: %v", err)
		}
		tb.Skip("no ffmpeg on PATH")
	}
	return p
}
