// Package worker owns a transcription worker's life: admission from buffer
// availability (reserve-then-poll), each job's lifecycle from message to
// result, graceful drain, and the HTTP health and metrics endpoints.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// ErrConfig marks a start-up failure caused by the configuration (a device
// or model that cannot be used); the binary exits 2 on it.
var ErrConfig = errors.New("worker: configuration")

// Worker pulls jobs, runs them through the pipeline and publishes results.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	nc    *nats.Conn
	js    jetstream.JetStream
	in    *queue.Intake
	pub   *queue.Publisher
	store *storage.Client
	pools *xdna.Pools
	dev   xdna.Device
	tr    *pipeline.Transcriber
	model string

	slots    chan struct{} // admission: one per buffer set
	m        *metrics
	running  atomic.Bool
	draining atomic.Bool
	inFlight atomic.Int64 // jobs pulled and not finished (not the reserved slot)
}

// Open connects to the broker and storage, provisions the streams, sizes the
// pools and opens the device. Close releases what Open acquired.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (_ *Worker, err error) {
	w := &Worker{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if err := w.openModel(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if w.store, err = storage.New(cfg.S3); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	qc := cfg.Queue()
	if w.nc, err = queue.Connect(ctx, qc, queue.ConnectLogger(log)); err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	if w.js, err = jetstream.New(w.nc); err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if w.cfg.Uploads.Enabled {
		if err := queue.ProvisionUploads(ctx, w.js, w.cfg.Uploads, qc); err != nil {
			return nil, err
		}
	}
	if err := queue.Provision(ctx, w.js, qc); err != nil {
		return nil, fmt.Errorf("provision streams: %w", err)
	}
	w.in = queue.NewIntake(w.js, qc, queue.IntakeLogger(log))
	w.pub = queue.NewPublisher(w.js, qc)
	w.slots = make(chan struct{}, w.pools.Sets())
	w.m = newMetrics(w.pools)
	return w, nil
}

// openModel loads the model (if any), sizes the pools and opens the
// device. Without a model the worker runs the sim device with base-model
// dimensions.
func (w *Worker) openModel() error {
	dims := xdna.DefaultDims
	filters := pipeline.MelFilters(dims.NMels)
	device := w.cfg.Device
	if device == "auto" {
		device = xdna.DriverCPU
		if w.cfg.WhisperModel == "" {
			device = xdna.DriverSim
			w.log.Info("no WHISPER_MODEL configured: using the sim device (NPU timing model, empty transcripts)")
		}
	}
	var model *whisper.Model
	if w.cfg.WhisperModel != "" {
		var err error
		if model, err = whisper.Load(w.cfg.WhisperModel); err != nil {
			return err
		}
		dims, filters, w.model = model.Dims(), model.Filters, model.Name
		w.log.Info("model loaded", "model", model.Name, "load_ms", model.LoadTime.Milliseconds(),
			"weights_mb", model.Bytes>>20, "n_audio_state", model.H.NAudioState, "n_audio_layer", model.H.NAudioLayer,
			"n_text_layer", model.H.NTextLayer, "multilingual", model.Tok.Multilingual())
	}
	switch device {
	case xdna.DriverSim:
		sim, err := xdna.NewSim(time.Duration(w.cfg.SimWindowMS)*time.Millisecond, w.cfg.SimContexts)
		if err != nil {
			return err
		}
		w.dev = sim
	case xdna.DriverCPU:
		if model == nil {
			return errors.New("XDNA_DEVICE=cpu needs WHISPER_MODEL (a whisper.cpp ggml model file)")
		}
	default:
		return fmt.Errorf("XDNA_DEVICE=%s: %w in this build (the %s driver needs the xrt build tag and AMD XRT)", device, xdna.ErrNoDevice, device)
	}
	pools, err := xdna.NewPools(dims, w.cfg.Pools())
	if err != nil {
		return err
	}
	w.pools = pools
	opts := []pipeline.Option{pipeline.WithMaxDuration(time.Duration(w.cfg.MaxAudioDuration)), pipeline.WithTempDir(w.cfg.TempDir)}
	if ff, ok := w.cfg.FFmpeg(); ok {
		opts = append(opts, pipeline.WithFFmpeg(ff))
		w.log.Info("ffmpeg decodes what the built-in decoders do not", "ffmpeg", ff.Path)
	} else {
		w.log.Info("no ffmpeg: formats without a built-in decoder (HE-AAC, AMR, WMA, AIFF, ...) fail as unsupported_format; set FFMPEG_PATH or use the image with ffmpeg")
	}
	if device == xdna.DriverCPU {
		tr, err := model.Transcriber(pools, whisper.Options{}, opts...)
		if err != nil {
			return err
		}
		w.tr, w.dev = tr, tr.Device()
		return nil
	}
	mel, err := pipeline.NewMel(filters, dims.NMels)
	if err != nil {
		return err
	}
	w.tr = pipeline.NewTranscriber(pools, w.dev, mel, opts...)
	return nil
}

// Conn returns the worker's broker connection.
func (w *Worker) Conn() *nats.Conn { return w.nc }

// Pools returns the worker's buffer pools.
func (w *Worker) Pools() *xdna.Pools { return w.pools }

// Device returns the worker's encoder device.
func (w *Worker) Device() xdna.Device { return w.dev }

// Run pulls and runs jobs until ctx ends, then stops pulling and drains:
// jobs in flight get SHUTDOWN_TIMEOUT to finish; those still running then
// are handed back to the broker for another worker. Run returns nil after a
// clean drain.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("worker: Run called twice")
	}
	// A pull request still out when pulling stops hands back what it
	// brings; Run returns once it has run out.
	defer w.in.Wait()
	// Jobs outlive ctx (the stop signal) by up to the shutdown timeout.
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	// Jobs that exhausted their deliveries on crashed workers go to the DLQ.
	rescueCtx, stopRescue := context.WithCancel(ctx)
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		queue.NewRescuer(w.js, w.cfg.Queue(), w.log).Run(rescueCtx)
	}()
	defer func() { stopRescue(); <-rescued }()

	// Uploads announced by bucket notifications become jobs.
	if w.cfg.Uploads.Enabled {
		uploaded := make(chan struct{})
		go func() {
			defer close(uploaded)
			count := func(o queue.UploadOutcome) { w.m.uploads.WithLabelValues(string(o)).Inc() }
			queue.NewUploads(w.js, w.cfg.Queue(), w.cfg.Uploads, w.log, count).Run(rescueCtx)
		}()
		defer func() { stopRescue(); <-uploaded }()
	}

	var jobs sync.WaitGroup
	w.log.Info("worker started", "worker", w.cfg.WorkerID, "device", w.dev.Name(), "buffer_sets", cap(w.slots), "pool_bytes", w.pools.MaxBytes())
	for {
		reserved, ok := w.admit(ctx)
		if !ok {
			break
		}
		d, err := w.in.Next(ctx)
		if err != nil {
			reserved.Release()
			<-w.slots
			if ctx.Err() != nil {
				break
			}
			w.log.Warn("pull failed", "err", err)
			continue
		}
		w.m.inFlight.Inc()
		w.inFlight.Add(1)
		jobs.Add(1)
		go func() {
			defer jobs.Done()
			defer func() { <-w.slots }()
			defer w.m.inFlight.Dec()
			defer w.inFlight.Add(-1)
			w.handle(jobsCtx, d, reserved)
		}()
	}

	w.draining.Store(true)
	w.log.Info("stopped pulling; draining jobs in flight", "in_flight", w.inFlight.Load(), "timeout", w.cfg.ShutdownTimeout)
	drained := make(chan struct{})
	go func() { jobs.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(w.cfg.ShutdownTimeout):
		w.log.Warn("shutdown timeout: handing back unfinished jobs", "in_flight", w.inFlight.Load())
		cancelJobs()
		<-drained
	}
	w.log.Info("drained")
	return nil
}

// admit reserves a job slot and the first stage's buffer, waiting while the
// worker is full (backpressure). It fails only when ctx ends.
func (w *Worker) admit(ctx context.Context) (xdna.Buffer, bool) {
	select {
	case w.slots <- struct{}{}:
	default:
		w.m.backpressure.Set(1)
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			w.m.backpressure.Set(0)
			return xdna.Buffer{}, false
		}
	}
	b, ok := w.pools.Audio.TryAcquire(ctx)
	if !ok {
		w.m.backpressure.Set(1)
		var err error
		if b, err = w.pools.Audio.Acquire(ctx); err != nil {
			w.m.backpressure.Set(0)
			<-w.slots
			return xdna.Buffer{}, false
		}
	}
	w.m.backpressure.Set(0)
	return b, true
}

// Close releases the worker's connections and device.
func (w *Worker) Close() error {
	var errs []error
	if w.nc != nil {
		// Flush so the last acks and naks reach the server before we go.
		if w.nc.IsConnected() {
			errs = append(errs, w.nc.FlushTimeout(2*time.Second))
		}
		w.nc.Close()
	}
	if w.dev != nil {
		errs = append(errs, w.dev.Close())
	}
	if w.pools != nil {
		w.pools.Close()
	}
	return errors.Join(errs...)
}
