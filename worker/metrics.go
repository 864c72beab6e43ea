package worker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/xdna-worker/xdna-worker/buildinfo"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// CodeOK is the code label of xdna_jobs_total for a job that succeeded. A
// metric's series all carry the same label names (client_golang enforces
// it, and queries such as `sum by (code)` or `ignoring (code)` rely on it),
// and Prometheus treats an empty label value as no label at all, so a
// success gets a code of its own, as gRPC's grpc_code="OK" does, rather
// than an empty one.
const CodeOK = "ok"

// jobCounter is xdna_jobs_total: jobs finished, by status and code.
type jobCounter struct{ *prometheus.CounterVec }

// WithLabelValues returns the counter of a status and an error code; an
// empty code (a success) is counted as CodeOK.
func (c jobCounter) WithLabelValues(status, code string) prometheus.Counter {
	if code == "" {
		code = CodeOK
	}
	return c.CounterVec.WithLabelValues(status, code)
}

// metrics are the worker's Prometheus series, on a registry of their own.
type metrics struct {
	reg          *prometheus.Registry
	jobs         jobCounter               // by status and error code (CodeOK for a success)
	stage        *prometheus.HistogramVec // seconds per stage
	queueWait    *prometheus.HistogramVec // by priority
	routed       *prometheus.CounterVec   // jobs this worker's router moved to a lane, by priority
	inFlight     prometheus.Gauge
	backpressure prometheus.Gauge
	redeliveries prometheus.Counter
	retries      *prometheus.CounterVec // hand-backs by reason
	deadLetters  *prometheus.CounterVec
	leaks        prometheus.Counter
	audioSeconds prometheus.Counter
	duplicates   prometheus.Counter
	uploads      *prometheus.CounterVec // records of upload notifications, by outcome
	modelLoad    *prometheus.GaugeVec   // by model; nil until a model is loaded
	modelRSS     *prometheus.GaugeVec   // by model; nil until a model is loaded
}

func newMetrics(pools *xdna.Pools) *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &metrics{
		reg: reg,
		jobs: jobCounter{prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xdna_jobs_total", Help: `Jobs finished, by status and error code (code "ok" for a success).`,
		}, []string{"status", "code"})},
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xdna_stage_seconds", Help: "Time spent per pipeline stage and job.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}, []string{"stage"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xdna_queue_wait_seconds", Help: "Time from publish to the job being started, by the job's priority.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 16),
		}, []string{"priority"}),
		routed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xdna_jobs_routed_total", Help: "Jobs this worker's router moved to the lane of their priority, by priority.",
		}, []string{"priority"}),
		inFlight:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "xdna_jobs_in_flight", Help: "Jobs admitted and not yet finished."}),
		backpressure: prometheus.NewGauge(prometheus.GaugeOpts{Name: "xdna_backpressure", Help: "1 while the worker has stopped pulling because its buffers are all reserved."}),
		redeliveries: prometheus.NewCounter(prometheus.CounterOpts{Name: "xdna_redeliveries_total", Help: "Messages received with a delivery count above 1."}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xdna_retries_total", Help: "Jobs handed back for another attempt, by reason.",
		}, []string{"reason"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xdna_dead_letters_total", Help: "Messages sent to the dead-letter subject, by reason.",
		}, []string{"reason"}),
		leaks:        prometheus.NewCounter(prometheus.CounterOpts{Name: "xdna_buffer_leaks_total", Help: "Pool buffers still held when their job ended (reclaimed)."}),
		audioSeconds: prometheus.NewCounter(prometheus.CounterOpts{Name: "xdna_audio_seconds_total", Help: "Seconds of audio transcribed."}),
		duplicates:   prometheus.NewCounter(prometheus.CounterOpts{Name: "xdna_duplicate_results_total", Help: "Results refused because an earlier delivery of the job already published one."}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xdna_uploads_total", Help: "Records of S3 upload notifications, by what became of them (submitted, already_done, own_output, filtered, not_created, dead_letter).",
		}, []string{"outcome"}),
	}
	bi := buildinfo.Get()
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "xdna_build_info", Help: "Always 1; the labels name the running build (buildinfo package).",
	}, []string{"version", "revision", "go_version"})
	buildInfo.WithLabelValues(bi.Version, bi.Revision, bi.GoVersion).Set(1)
	reg.MustRegister(buildInfo, m.jobs, m.stage, m.queueWait, m.routed, m.inFlight, m.backpressure, m.redeliveries, m.retries, m.deadLetters, m.leaks, m.audioSeconds, m.duplicates, m.uploads, poolCollector{pools})
	return m
}

// modelLoaded sets, for the model named name, xdna_model_load_seconds and
// xdna_model_rss_bytes: how long loading it took and the process's
// resident set size right after (its file is mapped, so this counts the
// pages read in by then, and the models loaded before it;
// process_resident_memory_bytes follows it afterwards). The gauges are
// registered with the first model.
func (m *metrics) modelLoaded(name string, load time.Duration, rss int64) {
	if m.modelLoad == nil {
		m.modelLoad = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xdna_model_load_seconds", Help: "Time the worker took to load each of its Whisper models at start, by model name."}, []string{"model"})
		m.modelRSS = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xdna_model_rss_bytes", Help: "Resident set size of the worker process right after loading each model (the models loaded before it included; 0 where unknown), by model name."}, []string{"model"})
		m.reg.MustRegister(m.modelLoad, m.modelRSS)
	}
	m.modelLoad.WithLabelValues(name).Set(load.Seconds())
	m.modelRSS.WithLabelValues(name).Set(float64(rss))
}

// poolCollector exports pool stats at scrape time.
type poolCollector struct{ pools *xdna.Pools }

var (
	poolBuffersDesc = prometheus.NewDesc("xdna_pool_buffers", "Buffers per pool and state (available, in_use); the states sum to xdna_pool_size.", []string{"pool", "state"}, nil)
	poolSizeDesc    = prometheus.NewDesc("xdna_pool_size", "Buffers the pool holds now (grows up to xdna_pool_capacity under POOL_GROWTH=auto).", []string{"pool"}, nil)
	poolCapDesc     = prometheus.NewDesc("xdna_pool_capacity", "Most buffers the pool may hold.", []string{"pool"}, nil)
	poolHitDesc     = prometheus.NewDesc("xdna_pool_hit_ratio", "Share (0 to 1) of acquisitions served at once from a free buffer.", []string{"pool"}, nil)
	poolWaitDesc    = prometheus.NewDesc("xdna_pool_wait_seconds_total", "Time spent waiting for buffers.", []string{"pool"}, nil)
	poolWaitersDesc = prometheus.NewDesc("xdna_pool_waiters", "Acquisitions waiting now.", []string{"pool"}, nil)
	poolLeaksDesc   = prometheus.NewDesc("xdna_pool_leaks_total", "Buffers reclaimed from ended jobs.", []string{"pool"}, nil)
	poolBytesDesc   = prometheus.NewDesc("xdna_pool_max_bytes", "Bytes the pool occupies at capacity.", []string{"pool"}, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolBuffersDesc, poolSizeDesc, poolCapDesc, poolHitDesc, poolWaitDesc, poolWaitersDesc, poolLeaksDesc, poolBytesDesc} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pools.All() {
		s := p.Stats()
		ch <- prometheus.MustNewConstMetric(poolBuffersDesc, prometheus.GaugeValue, float64(s.BuffersAvailable), s.Name, "available")
		ch <- prometheus.MustNewConstMetric(poolBuffersDesc, prometheus.GaugeValue, float64(s.BuffersInUse), s.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(poolSizeDesc, prometheus.GaugeValue, float64(s.TotalBuffers), s.Name)
		ch <- prometheus.MustNewConstMetric(poolCapDesc, prometheus.GaugeValue, float64(s.MaxBuffers), s.Name)
		ch <- prometheus.MustNewConstMetric(poolHitDesc, prometheus.GaugeValue, s.HitRate, s.Name)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, s.WaitSeconds, s.Name)
		ch <- prometheus.MustNewConstMetric(poolWaitersDesc, prometheus.GaugeValue, float64(s.Waiting), s.Name)
		ch <- prometheus.MustNewConstMetric(poolLeaksDesc, prometheus.CounterValue, float64(s.Leaks), s.Name)
		ch <- prometheus.MustNewConstMetric(poolBytesDesc, prometheus.GaugeValue, float64(p.MaxBytes()), s.Name)
	}
}
