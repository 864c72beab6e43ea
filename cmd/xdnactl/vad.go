package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/vad"
)

// vadCmd runs Silero VAD on a local file, as whisper.cpp does, and prints
// the speech segments.
type vadCmd struct {
	Model      string        `env:"VAD_MODEL" required:"" placeholder:"FILE" help:"whisper.cpp ggml VAD model file (ggml-silero-v6.2.0.bin)."`
	ProbsOut   string        `placeholder:"FILE" help:"Write the per-chunk (512-sample) speech probabilities here, float32 little-endian."`
	Threshold  float32       `default:"0.5" help:"Speech probability threshold."`
	MinSpeech  time.Duration `default:"250ms" help:"Shortest speech segment kept."`
	MinSilence time.Duration `default:"100ms" help:"Silence that ends a segment."`
	MaxSpeech  time.Duration `default:"0s" help:"Split longer segments (0: no limit)."`
	SpeechPad  time.Duration `default:"30ms" help:"Padding on both sides of each segment."`
	Numerics   string        `default:"f16" enum:"f16,f32" help:"How the F16 products are summed: f16 as whisper.cpp on CPUs with AVX512-FP16, f32 as its other builds (portable, AVX2)."`
	File       string        `arg:"" help:"Audio file (any format the worker decodes)."`
}

// Run prints one "start end" line (seconds, two decimals, as whisper.cpp)
// per speech segment.
func (c *vadCmd) Run(a *app) error {
	num, err := vad.ParseNumerics(c.Numerics)
	if err != nil {
		return usageError{err}
	}
	m, err := vad.Load(c.Model)
	if err != nil {
		return usageError{err}
	}
	samples, err := readSamples(a, c.File)
	if err != nil {
		return err
	}
	probs, err := m.NewDetector(vad.WithNumerics(num)).Probabilities(a.ctx, samples)
	if err != nil {
		return err
	}
	if c.ProbsOut != "" {
		if err := writeProbs(c.ProbsOut, probs); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(a.stdout)
	for _, s := range vad.Segments(probs, vad.WithThreshold(c.Threshold), vad.WithMinSpeech(c.MinSpeech),
		vad.WithMinSilence(c.MinSilence), vad.WithMaxSpeech(c.MaxSpeech), vad.WithSpeechPad(c.SpeechPad)) {
		fmt.Fprintf(w, "%.2f %.2f\n", s.Start.Seconds(), s.End.Seconds())
	}
	return w.Flush()
}

// readSamples decodes file to the worker's 16 kHz mono float32.
func readSamples(a *app, file string) ([]float32, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := pipeline.OpenAudio(a.ctx, f, 0, ffmpegOption()...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	defer d.Close()
	var out []float32
	buf := make([]float32, 1<<16)
	for {
		n, err := d.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
}

// writeProbs writes probabilities as float32 little-endian.
func writeProbs(path string, probs []float32) error {
	b := make([]byte, 4*len(probs))
	for i, p := range probs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(p))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--probs-out: %w", err)
	}
	return nil
}
