// Package worker owns a transcription worker's life: admission from buffer
// availability (reserve-then-poll), each job's lifecycle from message to
// result, graceful drain, and the HTTP health and metrics endpoints.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
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
	dev   *xdna.Watched // the default model's encoder device
	// models are the models served, the default first (one without a
	// model on the sim device); devs the distinct devices they encode on,
	// watched for /healthz.
	models []*servedModel
	devs   []*xdna.Watched
	// tracer starts the job's spans (the global provider's by default).
	tracer trace.Tracer

	slots    chan struct{} // admission: one per buffer set
	m        *metrics
	running  atomic.Bool
	draining atomic.Bool
	inFlight atomic.Int64 // jobs pulled and not finished (not the reserved slot)

	// The intake loop's state and since when it is in it (/healthz).
	intake      atomic.Int32 // intakeState
	intakeSince atomic.Int64 // unix nanoseconds

	// Job ids with a delivery running on this worker: another delivery of
	// the same id is handed back until it ends.
	runningMu sync.Mutex
	runningID map[string]struct{}

	// The cancellation bucket, and the watch of it that Run keeps for the
	// jobs it runs (set by Run before the first job starts).
	cancels     *queue.Cancels
	cancelWatch *queue.CancelWatch
}

// Open connects to the broker and storage, provisions the streams, sizes the
// pools and opens the device. Close releases what Open acquired.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Worker, error) {
	return open(ctx, cfg, log)
}

// open is Open with extra options for the pipeline (tests give a text
// decoder of their own).
func open(ctx context.Context, cfg Config, log *slog.Logger, extra ...pipeline.Option) (_ *Worker, err error) {
	w := &Worker{cfg: cfg, log: log, runningID: map[string]struct{}{}, tracer: defaultTracer()}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	w.sweepSpool()
	if err := w.openModel(extra); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(cfg.AllowedAudioBuckets) == 0 {
		log.Warn("ALLOWED_AUDIO_BUCKETS is empty: jobs may read every bucket the worker's S3 credentials reach (unsafe where tenants share workers)")
	}
	if len(cfg.AllowedOutputBuckets) == 0 {
		log.Warn("ALLOWED_OUTPUT_BUCKETS is empty: jobs may write to every bucket the worker's S3 credentials reach (unsafe where tenants share workers)")
	}
	for _, warning := range cfg.S3.Warnings() {
		log.Warn(warning)
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
	// PROVISION=false: the streams are managed elsewhere and the worker's
	// NATS user may only bind to them.
	if w.cfg.Uploads.Enabled {
		if err := queue.PrepareUploads(ctx, w.js, w.cfg.Uploads, qc); err != nil {
			return nil, err
		}
	}
	if err := queue.Prepare(ctx, w.js, qc); err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	if w.cancels, err = queue.OpenCancels(ctx, w.js, qc, queue.CancelsLogger(log)); err != nil {
		return nil, fmt.Errorf("cancellations: %w", err)
	}
	w.in = queue.NewIntake(w.js, qc, queue.IntakeLogger(log))
	w.pub = queue.NewPublisher(w.js, qc)
	w.slots = make(chan struct{}, w.pools.Sets())
	w.m = newMetrics(w.pools)
	for _, m := range w.models {
		if m.model != nil {
			w.m.modelLoaded(m.name, m.load, m.rss)
		}
	}
	return w, nil
}

// spoolPrefix starts the names of this worker's spool files in
// XDNA_TEMP_DIR: "xdna-spool+<WORKER_ID>+", then "audio-" (the fetched
// object) or "pcm-" (the decoded samples). '+' cannot occur in a worker id,
// so one worker's pattern never matches another's.
func (w *Worker) spoolPrefix() string { return "xdna-spool+" + w.cfg.WorkerID + "+" }

// sweepSpool removes this worker's spool files left in XDNA_TEMP_DIR by an
// earlier run that was killed (SIGKILL, OOM) before Go could clean up. The
// files a running worker spools have no name (they are unlinked as soon as
// they are created), so only a crash in that instant leaves one behind.
func (w *Worker) sweepSpool() {
	dir := w.cfg.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	matches, err := filepath.Glob(filepath.Join(dir, w.spoolPrefix()+"*"))
	if err != nil {
		w.log.Warn("spool sweep", "err", err)
		return
	}
	removed := 0
	for _, m := range matches {
		if fi, err := os.Lstat(m); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(m); err != nil {
			w.log.Warn("spool sweep: leftover not removed", "file", m, "err", err)
			continue
		}
		removed++
	}
	if removed > 0 {
		w.log.Info("removed spool files left by an earlier run", "files", removed, "dir", dir)
	}
}

// openModel loads the models (if any, each once), sizes the pools for the
// largest and opens a device and transcriber per model. Without a model the
// worker runs the sim device with base-model dimensions.
func (w *Worker) openModel(extra []pipeline.Option) error {
	specs := w.cfg.Models()
	device := w.cfg.Device
	if device == "auto" {
		device = xdna.DriverCPU
		if len(specs) == 0 {
			device = xdna.DriverSim
			w.log.Info("no WHISPER_MODEL configured: using the sim device (NPU timing model, empty transcripts)")
		}
	}
	var loaded []*whisper.Model
	for _, spec := range specs {
		model, err := whisper.Load(spec.Path)
		if err != nil {
			return err
		}
		name := spec.Name
		if name == "" {
			name = model.Name // WHISPER_MODEL: named after its file, as before
		}
		model.Name = name // the decoder's messages name it as jobs do
		loaded = append(loaded, model)
		w.models = append(w.models, &servedModel{name: name, model: model, load: model.LoadTime, rss: model.RSS})
		w.log.Info("model loaded", "model", name, "load_ms", model.LoadTime.Milliseconds(), "rss_bytes", model.RSS,
			"weights_mb", model.Bytes>>20, "n_mels", model.H.NMels, "n_audio_state", model.H.NAudioState, "n_audio_layer", model.H.NAudioLayer,
			"n_text_layer", model.H.NTextLayer, "multilingual", model.Tok.Multilingual())
	}
	var sim *xdna.Watched
	switch device {
	case xdna.DriverSim:
		dev, err := xdna.NewSim(time.Duration(w.cfg.SimWindowMS)*time.Millisecond, w.cfg.SimContexts)
		if err != nil {
			return err
		}
		sim = xdna.Watch(dev) // one simulated NPU, shared by every model
		w.devs = append(w.devs, sim)
	case xdna.DriverCPU:
		if len(loaded) == 0 {
			return errors.New("XDNA_DEVICE=cpu needs WHISPER_MODEL or WHISPER_MODELS (whisper.cpp ggml model files)")
		}
	default:
		return fmt.Errorf("XDNA_DEVICE=%s: %w in this build (the %s driver needs the xrt build tag and AMD XRT)", device, xdna.ErrNoDevice, device)
	}
	dims := poolDims(loaded)
	pools, err := xdna.NewPools(dims, w.cfg.Pools())
	if err != nil {
		return err
	}
	w.pools = pools
	if len(loaded) > 1 {
		w.log.Info("pools sized for the largest model", "models", len(loaded), "n_mels", dims.NMels, "n_audio_ctx", dims.NAudioCtx, "n_audio_state", dims.NAudioState)
	}
	opts := []pipeline.Option{pipeline.WithMaxDuration(time.Duration(w.cfg.MaxAudioDuration)), pipeline.WithTempDir(w.cfg.TempDir), pipeline.WithSpoolPrefix(w.spoolPrefix())}
	if ff, ok := w.cfg.FFmpeg(); ok {
		opts = append(opts, pipeline.WithFFmpeg(ff))
		w.log.Info("ffmpeg decodes what the built-in decoders do not", "ffmpeg", ff.Path)
	} else {
		w.log.Info("no ffmpeg: formats without a built-in decoder (HE-AAC, AMR, WMA, AIFF, ...) fail as unsupported_format; set FFMPEG_PATH or use the image with ffmpeg")
	}
	if w.cfg.VADModel != "" {
		vm, err := vad.Load(w.cfg.VADModel)
		if err != nil {
			return fmt.Errorf("VAD_MODEL: %w", err)
		}
		num, err := vad.ParseNumerics(w.cfg.VADNumerics)
		if err != nil {
			return fmt.Errorf("VAD_NUMERICS: %w", err)
		}
		opts = append(opts, pipeline.WithVAD(vm, w.cfg.VADParams(), vad.WithNumerics(num)))
		w.log.Info("voice activity model loaded", "vad_model", w.cfg.VADModel, "vad_default", w.cfg.VADDefault, "vad_numerics", num)
	}
	if len(w.models) == 0 {
		mel, err := pipeline.NewMel(pipeline.MelFilters(dims.NMels), dims.NMels)
		if err != nil {
			return err
		}
		w.models = []*servedModel{{tr: pipeline.NewTranscriber(pools, sim, mel, append(opts, extra...)...), dev: sim}}
		w.dev = sim
		return nil
	}
	ec, err := kernel.ParseCompute(w.cfg.EncoderCompute)
	if err != nil {
		return fmt.Errorf("ENCODER_COMPUTE: %w", err)
	}
	for _, m := range w.models {
		mel, err := pipeline.NewMel(m.model.Filters, m.model.H.NMels)
		if err != nil {
			return fmt.Errorf("model %s: %w", m.name, err)
		}
		mopts := []pipeline.Option{pipeline.WithDims(m.model.Dims())}
		m.dev = sim
		if device == xdna.DriverCPU {
			// What model.Transcriber builds, with the encoder watched: an
			// encoder and a text decoder of this model's own.
			enc := m.model.NewEncoder(whisper.WithCompute(ec))
			w.log.Info("cpu encoder", "model", m.name, "compute", enc.Compute().String(), "kernel", enc.Compute().Kernel())
			m.dev = xdna.Watch(enc)
			w.devs = append(w.devs, m.dev)
			mopts = append(mopts, pipeline.WithTextDecoder(m.model.NewTextDecoder(w.cfg.DecodingOptions())))
		}
		mopts = append(append(mopts, opts...), extra...)
		m.tr = pipeline.NewTranscriber(pools, m.dev, mel, mopts...)
	}
	w.dev = w.models[0].dev
	return nil
}

// useVAD decides whether job j runs with voice activity detection: its
// vad option, else VAD_DEFAULT. A job asking for it on a worker without
// VAD_MODEL runs on all its audio, and the log says so.
func (w *Worker) useVAD(ctx context.Context, j *job.Job) bool {
	want := w.cfg.VADDefault
	if j.VAD != nil {
		want = *j.VAD
	}
	if want && !w.models[0].tr.HasVAD() { // every model's transcriber has the same VAD
		w.log.WarnContext(ctx, "job asks for vad but this worker has no VAD_MODEL: transcribing all of the audio", "job_id", j.ID)
		return false
	}
	return want
}

// Conn returns the worker's broker connection.
func (w *Worker) Conn() *nats.Conn { return w.nc }

// Pools returns the worker's buffer pools.
func (w *Worker) Pools() *xdna.Pools { return w.pools }

// Device returns the encoder device of the worker's default model.
func (w *Worker) Device() xdna.Device { return w.dev }

// Run pulls and runs jobs until ctx ends, then stops pulling and drains:
// jobs in flight get SHUTDOWN_TIMEOUT to finish; those still running then
// are handed back to the broker for another worker. Run returns nil after a
// clean drain.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("worker: Run called twice")
	}
	// The intake's wake-up subscriptions end with Run.
	defer w.in.Close()
	// Jobs outlive ctx (the stop signal) by up to the shutdown timeout.
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	// One watch of the cancellation bucket for all the jobs this worker
	// runs. It lives until they are drained (past ctx: a job may be
	// cancelled while the worker drains), and is live before the first
	// pull.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watch, err := w.cancels.Watch(watchCtx)
	if err != nil {
		stopWatch()
		w.running.Store(false)
		return fmt.Errorf("worker: %w", err)
	}
	w.cancelWatch = watch
	defer func() { stopWatch(); <-watch.Done() }()

	// Jobs that exhausted their deliveries on crashed workers go to the DLQ.
	rescueCtx, stopRescue := context.WithCancel(ctx)
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		queue.NewRescuer(w.js, w.cfg.Queue(), w.log, queue.RescuerDeadLettered(w.countDeadLetter)).Run(rescueCtx)
	}()
	defer func() { stopRescue(); <-rescued }()

	// Jobs published on the jobs subject move to the lanes of their
	// priorities, whence intakes take them.
	routed := make(chan struct{})
	go func() {
		defer close(routed)
		count := func(p job.Priority) { w.m.routed.WithLabelValues(string(p)).Inc() }
		queue.NewRouter(w.js, w.cfg.Queue(), w.log, queue.RouterRouted(count), queue.RouterDeadLettered(w.countDeadLetter)).Run(rescueCtx)
	}()
	defer func() { stopRescue(); <-routed }()

	// Uploads announced by bucket notifications become jobs.
	if w.cfg.Uploads.Enabled {
		uploaded := make(chan struct{})
		go func() {
			defer close(uploaded)
			count := func(o queue.UploadOutcome) {
				w.m.uploads.WithLabelValues(string(o)).Inc()
				if o == queue.UploadDeadLetter {
					w.countDeadLetter(deadLetterUpload)
				}
			}
			queue.NewUploads(w.js, w.cfg.Queue(), w.cfg.Uploads, w.log, count).Run(rescueCtx)
		}()
		defer func() { stopRescue(); <-uploaded }()
	}

	// Pools grown under a burst shrink back once idle for POOL_IDLE_TRIM.
	if w.cfg.PoolGrowth == string(xdna.GrowthAuto) {
		trimmed := make(chan struct{})
		go func() {
			defer close(trimmed)
			w.trimPools(rescueCtx)
		}()
		defer func() { stopRescue(); <-trimmed }()
	}

	var jobs sync.WaitGroup
	w.log.Info("worker started", "worker", w.cfg.WorkerID, "device", w.dev.Name(), "buffer_sets", cap(w.slots), "pool_bytes", w.pools.MaxBytes())
	for {
		w.setIntake(intakeAdmit)
		reserved, ok := w.admit(ctx)
		if !ok {
			break
		}
		w.setIntake(intakePull)
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
		// Parsed here, in pull order, so that of two deliveries of one job
		// id the first pulled is the one that runs (claim).
		j, perr := job.Parse(d.Data())
		claimed := j == nil || w.claim(j.ID)
		w.m.inFlight.Inc()
		w.inFlight.Add(1)
		jobs.Add(1)
		go func() {
			defer jobs.Done()
			defer func() { <-w.slots }()
			defer w.m.inFlight.Dec()
			defer w.inFlight.Add(-1)
			if !claimed {
				reserved.Release()
				w.handBack(jobsCtx, d, j.ID)
				return
			}
			if j != nil {
				defer w.unclaim(j.ID)
			}
			w.handle(jobsCtx, d, j, perr, reserved)
		}()
	}
	w.setIntake(intakeIdle)

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

// claim records that a delivery of job id runs on this worker, and reports
// false if one already does.
func (w *Worker) claim(id string) bool {
	w.runningMu.Lock()
	defer w.runningMu.Unlock()
	if _, ok := w.runningID[id]; ok {
		return false
	}
	w.runningID[id] = struct{}{}
	return true
}

// unclaim ends what claim recorded, once the delivery is settled.
func (w *Worker) unclaim(id string) {
	w.runningMu.Lock()
	defer w.runningMu.Unlock()
	delete(w.runningID, id)
}

// trimPools frees, every POOL_IDLE_TRIM/2 until ctx ends, the grown
// buffers that have been idle for POOL_IDLE_TRIM.
func (w *Worker) trimPools(ctx context.Context) {
	idle := w.cfg.PoolIdleTrim
	t := time.NewTicker(max(idle/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := w.pools.Trim(idle); n > 0 {
				w.log.Info("freed idle pool buffers", "buffers", n, "idle", idle, "pool_bytes_now", w.poolBytesNow())
			}
		}
	}
}

// poolBytesNow is the memory the pools' buffers occupy now.
func (w *Worker) poolBytesNow() int64 {
	var n int64
	for _, p := range w.pools.All() {
		s := p.Stats()
		n += int64(s.TotalBuffers) * s.BufferBytes
	}
	return n
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
	for _, dev := range w.devs {
		errs = append(errs, dev.Close())
	}
	if w.pools != nil {
		w.pools.Close()
	}
	return errors.Join(errs...)
}
