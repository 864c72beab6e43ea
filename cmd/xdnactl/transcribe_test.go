package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// tinyDims is a small random-weight model: real vocabulary size, narrow layers.
var tinyDims = whispertest.Dims{NVocab: 51864, NAudioCtx: 1500, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1,
	NTextCtx: 448, NTextState: 64, NTextHead: 2, NTextLayer: 1, NMels: 80}

func writeModel(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "random-64x1.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := whispertest.WriteModel(f, whispertest.SyntheticHeader(tinyDims), tinyDims, ggml.F32, whispertest.RandomValue); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// speechlike writes seconds of a modulated tone (so the mel is not flat).
func speechlike(t *testing.T, name string, seconds int) string {
	t.Helper()
	s := make([]float32, seconds*pipeline.SampleRate)
	for i := range s {
		x := float64(i) / pipeline.SampleRate
		s[i] = float32(0.3 * math.Sin(2*math.Pi*(200+50*math.Sin(x))*x) * (0.5 + 0.5*math.Sin(2*math.Pi*0.7*x)))
	}
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := wav.Write(f, s, pipeline.SampleRate); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func buildCtl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xdnactl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runTranscribe runs `xdnactl transcribe` and returns the result and the
// process's peak RSS in bytes.
func runTranscribe(t *testing.T, bin string, args ...string) (*job.Result, int64) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), bin, append([]string{"transcribe"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var r job.Result
	if jerr := json.Unmarshal(stdout.Bytes(), &r); jerr != nil {
		t.Fatalf("transcribe %v: %v / %v\n%s", args, err, jerr, stderr.String())
	}
	return &r, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
}

// A 10-minute file streams through one window's buffers: its peak RSS is
// within 10 % of a 30 s file's, and its segments are in order and inside
// the audio.
func TestTranscribeTenMinutesInOneWindowOfMemory(t *testing.T) {
	bin, model := buildCtl(t), writeModel(t)
	short, long := speechlike(t, "30s.wav", 30), speechlike(t, "10min.wav", 600)
	flags := []string{"--model", model, "--max-tokens", "12", "--no-fallback"}
	r30, rss30 := runTranscribe(t, bin, append(flags, short)...)
	r600, rss600 := runTranscribe(t, bin, append(flags, long)...)
	for _, r := range []*job.Result{r30, r600} {
		if r.Status != job.StatusSucceeded || r.Device != "cpu" {
			t.Fatalf("%+v", r)
		}
	}
	if r600.DurationS != 600 || r30.DurationS != 30 {
		t.Fatalf("durations %v %v", r30.DurationS, r600.DurationS)
	}
	prevEnd := 0.0
	for i, s := range r600.Segments {
		if s.Start < prevEnd || s.End < s.Start || s.End > 600 {
			t.Fatalf("segment %d %+v after end %v: not monotonic", i, s, prevEnd)
		}
		prevEnd = s.End
	}
	t.Logf("peak RSS: 30 s %d MiB, 10 min %d MiB (%+.1f %%); %d segments, timings %v",
		rss30>>20, rss600>>20, 100*(float64(rss600)/float64(rss30)-1), len(r600.Segments), r600.TimingsMS)
	if float64(rss600) > 1.10*float64(rss30) {
		t.Fatalf("10 min peak RSS %d MiB is more than 10 %% above 30 s's %d MiB", rss600>>20, rss30>>20)
	}
}

// Silence and noise end with a result, not a hang: decoding is bounded.
func TestTranscribeSilenceAndNoise(t *testing.T) {
	bin, model := buildCtl(t), writeModel(t)
	dir := t.TempDir()
	silence := filepath.Join(dir, "silence.wav")
	noise := filepath.Join(dir, "noise.wav")
	f, _ := os.Create(silence)
	wav.Write(f, make([]float32, 20*pipeline.SampleRate), pipeline.SampleRate)
	f.Close()
	n := make([]float32, 20*pipeline.SampleRate)
	seed := uint32(1)
	for i := range n {
		seed = seed*1664525 + 1013904223
		n[i] = float32(int32(seed)) / math.MaxInt32 * 0.8
	}
	f, _ = os.Create(noise)
	wav.Write(f, n, pipeline.SampleRate)
	f.Close()
	for _, p := range []string{silence, noise} {
		r, _ := runTranscribe(t, bin, "--model", model, p)
		if r.Status != job.StatusSucceeded || r.DurationS != 20 {
			t.Fatalf("%s: %+v", filepath.Base(p), r)
		}
	}
}

// A broken model file is a clear error and exit status 2.
func TestTranscribeBadModelExits2(t *testing.T) {
	bin := buildCtl(t)
	bad := filepath.Join(t.TempDir(), "bad.bin")
	os.WriteFile(bad, []byte("lmgg\x00\x00\x00\x00not a model"), 0o644)
	cmd := exec.Command(bin, "transcribe", "--model", bad, speechlike(t, "a.wav", 1))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !bytes.Contains(out, []byte("bad.bin")) {
		t.Fatalf("exit %v, output %s", err, out)
	}
}

// The decoding flags (issue 9, item 3): beam search and greedy both run and
// report their temperature; values out of bounds are a usage error (exit 2).
func TestTranscribeDecodingFlags(t *testing.T) {
	bin, model := buildCtl(t), writeModel(t)
	file := speechlike(t, "5s.wav", 5)
	for _, args := range [][]string{
		{file, "--model", model, "--max-tokens", "8", "--beam-size", "1", "--no-fallback"},
		{file, "--model", model, "--max-tokens", "8", "--beam-size", "3", "--no-fallback"},
		{file, "--model", model, "--max-tokens", "8", "--temperature", "0.5", "--best-of", "2", "--no-fallback"},
	} {
		r, _ := runTranscribe(t, bin, args...)
		if r.Status != job.StatusSucceeded || r.DurationS != 5 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	for _, bad := range [][]string{{"--beam-size", "0"}, {"--best-of", "17"}, {"--temperature", "2"}} {
		cmd := exec.Command(bin, append([]string{"transcribe", file, "--model", model}, bad...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("%v: %v\n%s", bad, err, out)
		}
	}
}

// --word-timestamps (issue 9, item 5): every segment comes with its words;
// without the flag none has any.
func TestTranscribeWordTimestamps(t *testing.T) {
	bin, model := buildCtl(t), writeModel(t)
	file := speechlike(t, "5s.wav", 5)
	base := []string{file, "--model", model, "--max-tokens", "8", "--beam-size", "1", "--no-fallback"}
	r, _ := runTranscribe(t, bin, append(base, "--word-timestamps")...)
	if r.Status != job.StatusSucceeded || len(r.Segments) == 0 {
		t.Fatalf("%+v", r)
	}
	for i, s := range r.Segments {
		if len(s.Words) == 0 {
			t.Errorf("segment %d %q has no words", i, s.Text)
		}
	}
	r, _ = runTranscribe(t, bin, base...)
	for i, s := range r.Segments {
		if s.Words != nil {
			t.Errorf("segment %d has words without --word-timestamps", i)
		}
	}
}
