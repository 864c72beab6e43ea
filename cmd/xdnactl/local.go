package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// ffmpegConfig is the ffmpeg fallback decoder of local decodes: FFMPEG_PATH,
// or ffmpeg on PATH; FFMPEG_PATH=none turns it off.
func ffmpegConfig() (ffmpeg.Config, bool) {
	p := os.Getenv("FFMPEG_PATH")
	if p == "none" {
		return ffmpeg.Config{}, false
	}
	path, err := ffmpeg.Find(p)
	if err != nil {
		return ffmpeg.Config{}, false
	}
	return ffmpeg.Config{Path: path, Timeout: 10 * time.Minute}, true
}

// ffmpegOption is ffmpegConfig as an audio.Open option.
func ffmpegOption() []audio.Option {
	if ff, ok := ffmpegConfig(); ok {
		return []audio.Option{audio.WithFFmpeg(ff)}
	}
	return nil
}

// transcribeCmd runs the worker's pipeline on one local file, without NATS
// or storage, and prints the result JSON.
type transcribeCmd struct {
	Model       string        `env:"WHISPER_MODEL" placeholder:"FILE" help:"whisper.cpp ggml model file."`
	Language    string        `help:"Language code, or auto."`
	Task        string        `help:"transcribe or translate."`
	Prompt      string        `help:"Initial prompt."`
	MaxTokens   int           `name:"max-tokens" help:"Tokens per window (default n_text_ctx/2 − 4, as whisper.cpp)."`
	BeamSize    int           `name:"beam-size" default:"5" help:"Beams at temperature 0 (1: greedy)."`
	BestOf      int           `name:"best-of" default:"5" help:"Samples at temperature > 0, the likeliest kept."`
	Temperature float64       `name:"temperature" default:"0" help:"First temperature tried."`
	NoFallback  bool          `name:"no-fallback" help:"Do not retry a window at higher temperatures."`
	Rules       string        `name:"rules" default:"whisper.cpp" enum:"whisper.cpp,openai" help:"Decoding rules: whisper.cpp (its logit filters and sampled beam candidates: a model gives whisper.cpp's text) or openai (OpenAI's filters, deterministic top-k beams)."`
	Words       bool          `name:"word-timestamps" help:"Give each segment its words with times and probabilities."`
	MaxDuration time.Duration `name:"max-duration" help:"Longest audio accepted (0: no limit)."`
	File        string        `arg:"" help:"Audio file."`
}

// Run transcribes the file and prints the result.
func (c *transcribeCmd) Run(a *app) error {
	ctx, stdout, stderr := a.ctx, a.stdout, a.stderr
	if c.Model == "" {
		return usageError{errors.New("transcribe needs --model (or WHISPER_MODEL)")}
	}
	m, err := whisper.Load(c.Model)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "model %s loaded in %v (%d MiB of weights, RSS %d MiB after load)\n", m.Name, m.LoadTime.Round(time.Millisecond), m.Bytes>>20, m.RSS>>20)
	pools, err := xdna.NewPools(m.Dims(), xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		return err
	}
	if c.BeamSize < 1 || c.BeamSize > job.MaxBeamSize || c.BestOf < 1 || c.BestOf > job.MaxBeamSize || c.Temperature < 0 || c.Temperature > 1 {
		return usageError{fmt.Errorf("--beam-size and --best-of must be in 1–%d, --temperature in 0–1", job.MaxBeamSize)}
	}
	opts := whisper.Options{MaxTokens: c.MaxTokens, BeamSize: c.BeamSize, BestOf: c.BestOf, Rules: c.Rules,
		Temperatures: whisper.TemperatureSchedule(c.Temperature, !c.NoFallback)}
	popts := []pipeline.Option{pipeline.WithMaxDuration(c.MaxDuration)}
	if ff, ok := ffmpegConfig(); ok {
		popts = append(popts, pipeline.WithFFmpeg(ff))
	}
	tr, err := m.Transcriber(pools, opts, popts...)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, _ := f.Stat()
	id := newJobID(c.File)
	start := time.Now()
	out, err := tr.Transcribe(xdna.WithJob(ctx, id), &pipeline.Request{
		Audio: f, Size: fi.Size(), Language: c.Language, Task: c.Task, Prompt: c.Prompt,
		WordTimestamps: c.Words,
	})
	res := &job.Result{JobID: id, Model: m.Name, Device: xdna.DriverCPU, Attempt: 1, Segments: []job.Segment{}}
	if err != nil {
		res.Status = job.StatusFailed
		res.Error = &job.ErrorBody{Code: job.CodeOf(err), Message: err.Error()}
	} else {
		res.Status, res.Text, res.Language, res.Segments, res.DurationS = job.StatusSucceeded, out.Text, out.Language, out.Segments, out.Duration.Seconds()
		res.TimingsMS = map[string]int64{
			"decode": out.Timings.Decode.Milliseconds(), "mel": out.Timings.Mel.Milliseconds(),
			"encode": out.Timings.Encode.Milliseconds(), "decode_text": out.Timings.DecodeText.Milliseconds(),
			"total": time.Since(start).Milliseconds(),
		}
	}
	e := json.NewEncoder(stdout)
	e.SetIndent("", "  ")
	e.Encode(res)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(c.File), err)
	}
	return nil
}

// logitsCmd writes the teacher-forced logits after each given token for
// the first window of FILE: steps × n_vocab float32, little-endian — the
// quantity whisper.cpp's whisper_get_logits returns.
type logitsCmd struct {
	Model  string `env:"WHISPER_MODEL" placeholder:"FILE" help:"whisper.cpp ggml model file."`
	Tokens string `placeholder:"T1,T2,..." help:"Comma-separated token ids, e.g. 50257,50362,843."`
	Out    string `placeholder:"FILE" help:"Output file."`
	File   string `arg:"" help:"Audio file."`
}

// Run computes the logits and writes them to --out.
func (c *logitsCmd) Run(a *app) error {
	ctx, stderr := a.ctx, a.stderr
	if c.Model == "" || c.Tokens == "" || c.Out == "" {
		return usageError{errors.New("logits needs --model M (or WHISPER_MODEL), --tokens t1,t2,... and --out F")}
	}
	var tokens []int
	for _, s := range strings.Split(c.Tokens, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return usageError{fmt.Errorf("--tokens: %q is not a token id", s)}
		}
		tokens = append(tokens, t)
	}
	m, err := whisper.Load(c.Model)
	if err != nil {
		return err
	}
	mel, err := melOfFirstWindow(c.File, m)
	if err != nil {
		return err
	}
	enc := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	if err := m.NewEncoder().Encode(ctx, mel, enc); err != nil {
		return err
	}
	dec := m.NewDecoder()
	if err := dec.SetAudio(ctx, enc); err != nil {
		return err
	}
	f, err := os.Create(c.Out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	buf := make([]byte, 4)
	for _, t := range tokens {
		row, err := dec.Forward([]int{t})
		if err != nil {
			f.Close()
			return err
		}
		for _, v := range row {
			binary.LittleEndian.PutUint32(buf, math.Float32bits(v))
			w.Write(buf)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(stderr, "wrote %d × %d logits to %s\n", len(tokens), m.H.NVocab, c.Out)
	return f.Close()
}

// melOfFirstWindow decodes up to 30 s of a WAV file and returns its log-mel.
func melOfFirstWindow(path string, m *whisper.Model) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec, err := pipeline.OpenAudio(context.Background(), f, 0, ffmpegOption()...)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	samples := make([]float32, pipeline.SamplesPerWindow)
	n := 0
	for n < len(samples) {
		k, err := dec.Read(samples[n:])
		n += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	mel, err := pipeline.NewMel(m.Filters, m.H.NMels)
	if err != nil {
		return nil, err
	}
	out := make([]float32, m.H.NMels*pipeline.FramesPerWindow)
	return out, mel.Compute(samples[:n], out)
}
