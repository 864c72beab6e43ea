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
	"time"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/pipeline"
)

// decodeReport is what `xdnactl decode` prints.
type decodeReport struct {
	File       string  `json:"file"`
	Format     string  `json:"format"`
	Codec      string  `json:"codec"`
	SampleRate int     `json:"sample_rate"`
	Channels   int     `json:"channels"`
	Layout     string  `json:"layout"`
	Frames     int64   `json:"frames"`
	DurationS  float64 `json:"duration_s"`
	DecodeMS   float64 `json:"decode_ms"`
	Realtime   float64 `json:"x_realtime"`
	Out        string  `json:"out,omitempty"`
}

// decodeCmd decodes a file the way the worker does, without NATS or
// storage, and reports what it recognised and how fast it decoded. With
// --out it writes the 16 kHz mono float32 the worker would transcribe.
type decodeCmd struct {
	Out    string `placeholder:"FILE" help:"Write the worker's input (16 kHz mono float32 little-endian) to this file."`
	Repeat int    `default:"1" help:"Decode this many times and report the fastest (for benchmarks)."`
	File   string `arg:"" help:"Audio file."`
}

// Run decodes and prints the report as JSON.
func (c *decodeCmd) Run(a *app) error {
	ctx, stdout := a.ctx, a.stdout
	if c.Repeat < 1 {
		return usageError{fmt.Errorf("--repeat %d must be at least 1", c.Repeat)}
	}
	file := c.File
	var rep *decodeReport
	for range c.Repeat {
		r, err := decodeOnce(ctx, file)
		if err != nil {
			return err
		}
		if rep == nil || r.DecodeMS < rep.DecodeMS {
			rep = r
		}
	}
	if c.Out != "" {
		if err := writeWorkerInput(ctx, file, c.Out); err != nil {
			return err
		}
		rep.Out = c.Out
	}
	e := json.NewEncoder(stdout)
	e.SetIndent("", "  ")
	return e.Encode(rep)
}

// decodeOnce decodes file at its own rate and channels, timing it.
func decodeOnce(ctx context.Context, file string) (*decodeReport, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start := time.Now()
	d, err := audio.Open(ctx, f, 0, ffmpegOption()...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	defer d.Close()
	var frames int64
	for {
		b, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		frames += int64(len(b[0]))
	}
	took := time.Since(start)
	i := d.Info()
	secs := float64(frames) / float64(i.SampleRate)
	return &decodeReport{
		File: file, Format: d.Format().String(), Codec: i.Codec, SampleRate: i.SampleRate,
		Channels: i.Channels(), Layout: i.Layout.String(), Frames: frames, DurationS: secs,
		DecodeMS: float64(took.Microseconds()) / 1e3, Realtime: secs / took.Seconds(),
	}, nil
}

// writeWorkerInput writes what the worker's encoder windows are cut from.
func writeWorkerInput(ctx context.Context, file, out string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := pipeline.OpenAudio(ctx, f, 0, ffmpegOption()...)
	if err != nil {
		return err
	}
	defer d.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o)
	buf := make([]float32, 4096)
	var b [4]byte
	for {
		n, err := d.Read(buf)
		for _, v := range buf[:n] {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			w.Write(b[:])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			o.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
