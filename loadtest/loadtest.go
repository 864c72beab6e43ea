// Package loadtest drives a worker fleet with a fixed number of outstanding
// jobs and reports success rate, throughput and latency percentiles.
package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// Config describes one load test.
type Config struct {
	Concurrency  int           // jobs outstanding at once
	Jobs         int           // jobs in total
	Audio        job.ObjectRef // the object every job transcribes
	AudioSeconds float64       // its duration, for audio-seconds/s
	Timeout      time.Duration // give up on missing results after this
	// Progress, if set, is called after each result with the count so far.
	Progress func(done, total int)
}

// Percentiles of a distribution, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Report is the outcome of a load test.
type Report struct {
	RunID          string      `json:"run_id"`
	Concurrency    int         `json:"concurrency"`
	Jobs           int         `json:"jobs"`
	Succeeded      int         `json:"succeeded"`
	Failed         int         `json:"failed"`
	Missing        int         `json:"missing"`
	Duplicates     int         `json:"duplicates"`
	SuccessRate    float64     `json:"success_rate"`
	ElapsedS       float64     `json:"elapsed_s"`
	JobsPerSec     float64     `json:"jobs_per_s"`
	AudioSecPerSec float64     `json:"audio_s_per_s"`
	Latency        Percentiles `json:"latency"`
	QueueWait      Percentiles `json:"queue_wait"`
	// Stages holds the percentiles of each of the results' timings_ms
	// entries (fetch, decode, mel, encode, output, total, …): where a job's
	// time went on the worker.
	Stages   map[string]Percentiles `json:"stages,omitempty"`
	Failures map[string]int         `json:"failures,omitempty"`
	Workers  map[string]int         `json:"workers"`
	Devices  map[string]int         `json:"devices"`
}

// Run submits cfg.Jobs jobs, keeping cfg.Concurrency outstanding, and waits
// for every result (or cfg.Timeout). Job ids are lt.<run>.<n>, so the
// results of one run are on their own subjects.
func Run(ctx context.Context, js jetstream.JetStream, qc queue.Config, cfg Config) (*Report, error) {
	if cfg.Concurrency < 1 || cfg.Jobs < 1 {
		return nil, errors.New("loadtest: concurrency and jobs must be at least 1")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	qc = qc.WithDefaults()
	var rb [4]byte
	rand.Read(rb[:])
	run := hex.EncodeToString(rb[:])
	prefix := "lt." + run

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	var (
		mu        sync.Mutex
		submitted = make(map[string]time.Time, cfg.Jobs)
		seen      = make(map[string]bool, cfg.Jobs)
		latency   []float64
		queueWait []float64
		stages    = map[string][]float64{}
		rep       = &Report{RunID: run, Concurrency: cfg.Concurrency, Jobs: cfg.Jobs, Failures: map[string]int{}, Workers: map[string]int{}, Devices: map[string]int{}}
		slots     = make(chan struct{}, cfg.Concurrency)
		allDone   = make(chan struct{})
	)
	onResult := func(r *job.Result, _ jetstream.Msg) error {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		sent, ok := submitted[r.JobID]
		if !ok {
			return nil
		}
		if seen[r.JobID] {
			rep.Duplicates++
			return nil
		}
		seen[r.JobID] = true
		latency = append(latency, float64(now.Sub(sent).Microseconds())/1000)
		queueWait = append(queueWait, float64(r.TimingsMS["queue"]))
		for name, ms := range r.TimingsMS {
			stages[name] = append(stages[name], float64(ms))
		}
		rep.Workers[r.Worker]++
		rep.Devices[r.Device]++
		if r.Status == job.StatusSucceeded {
			rep.Succeeded++
		} else {
			rep.Failed++
			code := "unknown"
			if r.Error != nil {
				code = string(r.Error.Code)
			}
			rep.Failures[code]++
		}
		<-slots
		if cfg.Progress != nil {
			cfg.Progress(len(seen), cfg.Jobs)
		}
		if len(seen) == cfg.Jobs {
			close(allDone)
		}
		return nil
	}

	watchCtx, stopWatch := context.WithCancel(ctx)
	watchErr := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		watchErr <- queue.Watch(watchCtx, js, qc, onResult, queue.WatchFromStart(), queue.WatchJobPrefix(prefix), queue.WatchReady(ready))
	}()
	defer func() { stopWatch(); <-watchErr }()
	select {
	case <-ready:
	case err := <-watchErr:
		return nil, fmt.Errorf("loadtest: watch results: %w", err)
	}

	pub := queue.NewPublisher(js, qc)
	start := time.Now()
	var submitErr error
submit:
	for i := range cfg.Jobs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break submit
		}
		j := &job.Job{ID: fmt.Sprintf("%s.%06d", prefix, i), Audio: cfg.Audio}
		mu.Lock()
		submitted[j.ID] = time.Now()
		mu.Unlock()
		if err := pub.Submit(ctx, j); err != nil {
			submitErr = fmt.Errorf("loadtest: submit %s: %w", j.ID, err)
			break
		}
	}
	if submitErr == nil {
		select {
		case <-allDone:
		case <-ctx.Done():
		}
	}
	elapsed := time.Since(start)

	mu.Lock()
	defer mu.Unlock()
	rep.Missing = cfg.Jobs - len(seen)
	rep.SuccessRate = float64(rep.Succeeded) / float64(cfg.Jobs)
	rep.ElapsedS = elapsed.Seconds()
	rep.JobsPerSec = float64(len(seen)) / elapsed.Seconds()
	rep.AudioSecPerSec = float64(rep.Succeeded) * cfg.AudioSeconds / elapsed.Seconds()
	rep.Latency = percentiles(latency)
	rep.QueueWait = percentiles(queueWait)
	rep.Stages = make(map[string]Percentiles, len(stages))
	for name, v := range stages {
		rep.Stages[name] = percentiles(v)
	}
	return rep, submitErr
}

func percentiles(v []float64) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(q*float64(len(s))+0.5) - 1
		return s[max(0, min(len(s)-1, i))]
	}
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1]}
}
