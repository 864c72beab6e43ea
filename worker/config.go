package worker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/internal/envconfig"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// Config is the worker's whole configuration, read from the environment.
type Config struct {
	NATS         queue.Config        // NATS_URL, NATS_*, JOBS_*, RESULTS_*, DLQ_*, CONSUMER, ACK_WAIT, MAX_DELIVER
	S3           storage.Config      // S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_USE_TLS
	Uploads      queue.UploadsConfig // UPLOADS_ENABLED, UPLOADS_SUBJECT, UPLOADS_STREAM, UPLOADS_OUTPUT_*, UPLOADS_FORMATS, UPLOADS_INCLUDE/EXCLUDE
	RetryBackoff time.Duration       `env:"RETRY_BACKOFF" envDefault:"2s"`

	Device       string `env:"XDNA_DEVICE" envDefault:"auto"`
	SimWindowMS  int    `env:"XDNA_SIM_WINDOW_MS" envDefault:"50"`
	SimContexts  int    `env:"XDNA_SIM_CONTEXTS" envDefault:"4"`
	WhisperModel string `env:"WHISPER_MODEL"`
	// WhisperModels (WHISPER_MODELS) is "name=path,name2=path2": several
	// models, picked by a job's model field, the first the default
	// (ParseModels). It excludes WHISPER_MODEL, its one-model form.
	WhisperModels   string `env:"WHISPER_MODELS"`
	AudioPoolSize   int    `env:"AUDIO_BUFFER_POOL_SIZE" envDefault:"4"`
	MelPoolSize     int    `env:"MEL_BUFFER_POOL_SIZE" envDefault:"4"`
	EncoderPoolSize int    `env:"ENCODER_BUFFER_POOL_SIZE" envDefault:"4"`
	MaxPoolSize     int    `env:"MAX_POOL_SIZE" envDefault:"16"`
	PoolGrowth      string `env:"POOL_GROWTH" envDefault:"none"`
	// PoolIdleTrim is how long a buffer grown beyond a pool's initial size
	// may sit idle before it is freed (POOL_GROWTH=auto).
	PoolIdleTrim time.Duration `env:"POOL_IDLE_TRIM" envDefault:"60s"`

	// Decoding defaults for jobs that do not say (a job's "decoding"
	// overrides each): whisper.cpp's CLI defaults.
	BeamSize    int     `env:"BEAM_SIZE" envDefault:"5"`
	BestOf      int     `env:"BEST_OF" envDefault:"5"`
	Temperature float64 `env:"TEMPERATURE" envDefault:"0"`
	Fallback    bool    `env:"FALLBACK" envDefault:"true"`
	// Rules are the decoding rules followed (DECODING_RULES): whisper.cpp
	// (its sampled candidates, so a model gives whisper.cpp's text) or
	// openai (deterministic top-k beams).
	Rules string `env:"DECODING_RULES" envDefault:"whisper.cpp"`
	// DecoderBatch (DECODER_BATCH) advances the jobs decoding at once
	// together: one pass over the decoder's weights per step serves every
	// job's sequences, with the same results as decoding each alone. false
	// steps each job's decoder on its own.
	DecoderBatch bool `env:"DECODER_BATCH" envDefault:"true"`

	// VADModel is a whisper.cpp ggml Silero VAD file (VAD_MODEL), loaded
	// at start; VADDefault is whether jobs that do not say use it.
	VADModel   string `env:"VAD_MODEL"`
	VADDefault bool   `env:"VAD_DEFAULT" envDefault:"false"`
	// VADNumerics is how the VAD sums its F16 products (VAD_NUMERICS,
	// vad.ParseNumerics): f16 as whisper.cpp on CPUs with AVX512-FP16
	// (the default), f32 as its other builds.
	VADNumerics string `env:"VAD_NUMERICS" envDefault:"f16"`
	// EncoderCompute is the arithmetic of the CPU encoder's linear layers
	// (ENCODER_COMPUTE, kernel.ParseCompute): f32, or bf16 (bfloat16
	// operands, float32 sums; needs AVX512_BF16, refused at start without).
	EncoderCompute string `env:"ENCODER_COMPUTE" envDefault:"f32"`
	// Segmentation parameters (whisper.cpp's whisper_vad_params and its
	// defaults): speech probability threshold, shortest speech kept,
	// silence that ends a segment, longest segment before a split (0: no
	// limit), padding on both sides, and audio kept after each segment when
	// segments are packed into windows.
	VADThreshold  float32       `env:"VAD_THRESHOLD" envDefault:"0.5"`
	VADMinSpeech  time.Duration `env:"VAD_MIN_SPEECH" envDefault:"250ms"`
	VADMinSilence time.Duration `env:"VAD_MIN_SILENCE" envDefault:"100ms"`
	VADMaxSpeech  time.Duration `env:"VAD_MAX_SPEECH" envDefault:"0s"`
	VADSpeechPad  time.Duration `env:"VAD_SPEECH_PAD" envDefault:"30ms"`
	VADOverlap    time.Duration `env:"VAD_OVERLAP" envDefault:"100ms"`

	// AllowedAudioBuckets and AllowedOutputBuckets are the buckets (globs,
	// path.Match syntax, comma-separated) jobs may read audio from and
	// write transcripts to. Empty allows every bucket the S3 credentials
	// reach: unsafe where tenants share workers.
	AllowedAudioBuckets  []string `env:"ALLOWED_AUDIO_BUCKETS"`
	AllowedOutputBuckets []string `env:"ALLOWED_OUTPUT_BUCKETS"`
	// LivenessTimeout is how long the intake loop or the device may make
	// no progress while work waits before /healthz fails.
	LivenessTimeout time.Duration `env:"LIVENESS_TIMEOUT" envDefault:"10m"`

	MaxAudioDuration Seconds       `env:"MAX_AUDIO_DURATION" envDefault:"2h"`
	MaxAudioBytes    ByteSize      `env:"MAX_AUDIO_BYTES" envDefault:"1GiB"`
	JobTimeout       time.Duration `env:"JOB_TIMEOUT" envDefault:"30m"`
	ShutdownTimeout  time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"30s"`
	HTTPAddr         string        `env:"HTTP_ADDR" envDefault:":8080"`
	// DebugAddr (DEBUG_ADDR) is where the Go runtime's profiles
	// (/debug/pprof/) are served, on a server of their own; empty (the
	// default) serves them nowhere.
	DebugAddr     string        `env:"DEBUG_ADDR"`
	WorkerID      string        `env:"WORKER_ID"`
	TempDir       string        `env:"XDNA_TEMP_DIR"`
	FFmpegPath    string        `env:"FFMPEG_PATH"`
	FFmpegTimeout time.Duration `env:"FFMPEG_TIMEOUT" envDefault:"10m"`
	LogLevel      slog.Level    `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat     string        `env:"LOG_FORMAT" envDefault:"auto"`
}

// LoadConfig reads the configuration from environ (os.Environ() when nil)
// and validates it, reporting every problem at once.
func LoadConfig(environ map[string]string) (Config, error) {
	cfg, errs := envconfig.Parse[Config](environ)
	if cfg.WorkerID == "" {
		cfg.WorkerID, _ = os.Hostname()
	}
	cfg.AllowedAudioBuckets = trimList(cfg.AllowedAudioBuckets)
	cfg.AllowedOutputBuckets = trimList(cfg.AllowedOutputBuckets)
	errs = append(errs, cfg.validate()...)
	return cfg, errors.Join(errs...)
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	q := c.NATS
	if q.URL == "" {
		bad("NATS_URL is required")
	}
	if q.Token != "" && (q.User != "" || q.Creds != "") {
		bad("NATS_TOKEN cannot be combined with NATS_USER or NATS_CREDS")
	}
	if (q.User == "") != (q.Password == "") {
		bad("NATS_USER and NATS_PASSWORD go together")
	}
	for name, v := range map[string]string{"JOBS_STREAM": q.JobsStream, "RESULTS_STREAM": q.ResultsStream, "DLQ_STREAM": q.DLQStream, "CONSUMER": q.Consumer} {
		if v == "" || strings.ContainsAny(v, ". *>") {
			bad("%s %q must be a non-empty name without '.', ' ', '*' or '>'", name, v)
		}
	}
	for name, v := range map[string]string{"JOBS_SUBJECT": q.JobsSubject, "RESULTS_SUBJECT_PREFIX": q.ResultsSubjectPrefix, "DLQ_SUBJECT": q.DLQSubject} {
		if v == "" || strings.ContainsAny(v, " *>") {
			bad("%s %q must be a literal subject", name, v)
		}
	}
	if q.AckWait < time.Second {
		bad("ACK_WAIT %v must be at least 1s", q.AckWait)
	}
	if q.MaxDeliver < 1 {
		bad("MAX_DELIVER %d must be at least 1", q.MaxDeliver)
	}
	if c.RetryBackoff < 0 {
		bad("RETRY_BACKOFF %v must not be negative", c.RetryBackoff)
	}
	if c.Uploads.Enabled {
		if err := c.Uploads.Validate(q); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.S3.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.S3.Endpoint == "" || strings.Contains(c.S3.Endpoint, "://") {
		bad("S3_ENDPOINT %q must be host:port without a scheme (use S3_USE_TLS)", c.S3.Endpoint)
	}
	switch c.Device {
	case "auto", xdna.DriverCPU, xdna.DriverSim:
	case xdna.DriverXRT:
		bad("XDNA_DEVICE %q: there is no hardware driver for the XDNA NPU yet; use cpu (the Whisper encoder on the CPU) or sim (an NPU timing model with empty transcripts)", c.Device)
	default:
		bad("XDNA_DEVICE %q is not one of auto, cpu, sim", c.Device)
	}
	if c.BeamSize < 1 || c.BeamSize > job.MaxBeamSize {
		bad("BEAM_SIZE %d is not in 1–%d", c.BeamSize, job.MaxBeamSize)
	}
	if c.BestOf < 1 || c.BestOf > job.MaxBeamSize {
		bad("BEST_OF %d is not in 1–%d", c.BestOf, job.MaxBeamSize)
	}
	if !slices.Contains(job.DecodingRules, c.Rules) {
		bad("DECODING_RULES %q is not one of %s", c.Rules, strings.Join(job.DecodingRules, ", "))
	}
	if !(c.Temperature >= 0 && c.Temperature <= 1) {
		bad("TEMPERATURE %g is not in 0–1", c.Temperature)
	}
	errs = append(errs, c.validateModels()...)
	if c.VADDefault && c.VADModel == "" {
		bad("VAD_DEFAULT=true needs VAD_MODEL (a whisper.cpp ggml Silero VAD file)")
	}
	if _, err := vad.ParseNumerics(c.VADNumerics); err != nil {
		bad("VAD_NUMERICS %q is not f16 or f32", c.VADNumerics)
	}
	if ec, err := kernel.ParseCompute(c.EncoderCompute); err != nil {
		bad("ENCODER_COMPUTE %q is not f32 or bf16", c.EncoderCompute)
	} else if !ec.Supported() {
		bad("ENCODER_COMPUTE=%s needs a CPU with AVX512_BF16 (and a build without the purego tag); this one has none: use f32", c.EncoderCompute)
	}
	if !(c.VADThreshold > 0 && c.VADThreshold < 1) {
		bad("VAD_THRESHOLD %g is not in (0, 1)", c.VADThreshold)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"VAD_MIN_SPEECH", c.VADMinSpeech}, {"VAD_MIN_SILENCE", c.VADMinSilence}, {"VAD_MAX_SPEECH", c.VADMaxSpeech}, {"VAD_SPEECH_PAD", c.VADSpeechPad}, {"VAD_OVERLAP", c.VADOverlap}} {
		if d.v < 0 || d.v > time.Hour {
			bad("%s %v is not in 0–1h", d.name, d.v)
		}
	}
	if c.SimWindowMS < 0 {
		bad("XDNA_SIM_WINDOW_MS %d must not be negative", c.SimWindowMS)
	}
	if c.SimContexts < 1 {
		bad("XDNA_SIM_CONTEXTS %d must be at least 1", c.SimContexts)
	}
	for name, n := range map[string]int{"AUDIO_BUFFER_POOL_SIZE": c.AudioPoolSize, "MEL_BUFFER_POOL_SIZE": c.MelPoolSize, "ENCODER_BUFFER_POOL_SIZE": c.EncoderPoolSize} {
		if n < 1 {
			bad("%s %d must be at least 1", name, n)
		} else if n > c.MaxPoolSize {
			bad("%s %d is above MAX_POOL_SIZE %d", name, n, c.MaxPoolSize)
		}
	}
	switch xdna.Growth(c.PoolGrowth) {
	case xdna.GrowthNone, xdna.GrowthAuto:
	default:
		bad("POOL_GROWTH %q is not none or auto", c.PoolGrowth)
	}
	if c.PoolIdleTrim <= 0 {
		bad("POOL_IDLE_TRIM %v must be positive", c.PoolIdleTrim)
	}
	if c.LivenessTimeout <= 0 {
		bad("LIVENESS_TIMEOUT %v must be positive", c.LivenessTimeout)
	}
	for name, globs := range map[string][]string{"ALLOWED_AUDIO_BUCKETS": c.AllowedAudioBuckets, "ALLOWED_OUTPUT_BUCKETS": c.AllowedOutputBuckets} {
		for _, g := range globs {
			if _, err := path.Match(g, ""); err != nil || strings.Contains(g, "/") {
				bad("%s: %q is not a bucket glob (path.Match syntax, no '/')", name, g)
			}
		}
	}
	if c.MaxAudioDuration <= 0 {
		bad("MAX_AUDIO_DURATION must be positive")
	}
	if c.MaxAudioBytes <= 0 {
		bad("MAX_AUDIO_BYTES must be positive")
	}
	if c.JobTimeout <= 0 {
		bad("JOB_TIMEOUT must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT must be positive")
	}
	if c.FFmpegTimeout <= 0 {
		bad("FFMPEG_TIMEOUT must be positive")
	}
	if c.FFmpegPath != "" && c.FFmpegPath != FFmpegNone {
		if _, err := ffmpeg.Find(c.FFmpegPath); err != nil {
			bad("%v (use FFMPEG_PATH=none to run without ffmpeg)", err)
		}
	}
	if c.DebugAddr != "" {
		if err := validAddr(c.DebugAddr); err != nil {
			bad("DEBUG_ADDR %q: %v", c.DebugAddr, err)
		} else if c.DebugAddr == c.HTTPAddr {
			bad("DEBUG_ADDR %q must differ from HTTP_ADDR: profiles are never served on the health and metrics address", c.DebugAddr)
		}
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		bad("LOG_FORMAT %q is not auto, text or json", c.LogFormat)
	}
	if !validWorkerID(c.WorkerID) {
		bad("WORKER_ID %q must be 1-64 characters of [A-Za-z0-9._-]", c.WorkerID)
	}
	return errs
}

// validAddr checks a listen address: host:port with a numeric port (the
// host may be empty: every interface).
func validAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number in 0–65535", port)
	}
	return nil
}

func validWorkerID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// FFmpegNone is the FFMPEG_PATH that turns the ffmpeg fallback off even
// when PATH has one.
const FFmpegNone = "none"

// FFmpeg returns how to run the ffmpeg fallback decoder, and false when
// the worker has none: FFMPEG_PATH=none, or no FFMPEG_PATH and no ffmpeg on
// PATH.
func (c *Config) FFmpeg() (ffmpeg.Config, bool) {
	if c.FFmpegPath == FFmpegNone {
		return ffmpeg.Config{}, false
	}
	p, err := ffmpeg.Find(c.FFmpegPath)
	if err != nil {
		return ffmpeg.Config{}, false
	}
	return ffmpeg.Config{Path: p, Timeout: c.FFmpegTimeout, MaxDuration: time.Duration(c.MaxAudioDuration)}, true
}

// Queue returns the broker settings, with this worker's client name.
func (c *Config) Queue() queue.Config {
	q := c.NATS
	q.Name = "xdna-worker " + c.WorkerID
	return q.WithDefaults()
}

// Pools returns the buffer pool settings.
func (c *Config) Pools() xdna.PoolsConfig {
	return xdna.PoolsConfig{AudioCount: c.AudioPoolSize, MelCount: c.MelPoolSize, EncoderCount: c.EncoderPoolSize, MaxCount: c.MaxPoolSize, Growth: xdna.Growth(c.PoolGrowth)}
}

// LogValue keeps secrets out of logs.
func (c Config) LogValue() slog.Value {
	redact := func(s string) string {
		if s == "" {
			return ""
		}
		return "[redacted]"
	}
	return slog.GroupValue(
		slog.Any("nats", c.NATS), // queue.Config redacts its own secrets
		slog.String("s3_endpoint", c.S3.Endpoint), slog.String("s3_access_key", c.S3.AccessKey),
		slog.String("s3_secret_key", redact(c.S3.SecretKey)),
		slog.String("device", c.Device), slog.String("model", c.WhisperModel), slog.String("models", c.WhisperModels),
		slog.Int("beam_size", c.BeamSize), slog.Int("best_of", c.BestOf), slog.Float64("temperature", c.Temperature), slog.Bool("fallback", c.Fallback), slog.String("decoding_rules", c.Rules),
		slog.String("vad_model", c.VADModel), slog.Bool("vad_default", c.VADDefault), slog.String("vad_numerics", c.VADNumerics),
		slog.String("encoder_compute", c.EncoderCompute),
		slog.Bool("decoder_batch", c.DecoderBatch),
		slog.Int("audio_pool", c.AudioPoolSize), slog.Int("mel_pool", c.MelPoolSize), slog.Int("encoder_pool", c.EncoderPoolSize),
		slog.Int("max_pool", c.MaxPoolSize), slog.String("pool_growth", c.PoolGrowth),
		slog.Duration("max_audio_duration", time.Duration(c.MaxAudioDuration)), slog.Int64("max_audio_bytes", int64(c.MaxAudioBytes)),
		slog.Duration("job_timeout", c.JobTimeout), slog.String("worker_id", c.WorkerID),
		slog.String("ffmpeg_path", c.FFmpegPath), slog.String("debug_addr", c.DebugAddr),
	)
}

// Seconds is a duration read either as a Go duration ("90s", "2h") or, as
// the seed server did, as a plain number of seconds ("30").
type Seconds time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Seconds) UnmarshalText(b []byte) error {
	if f, err := strconv.ParseFloat(string(b), 64); err == nil {
		*s = Seconds(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is neither seconds nor a duration like 2h", b)
	}
	*s = Seconds(d)
	return nil
}

// ByteSize is a size in bytes, read as a number with an optional unit:
// "1048576", "512MiB", "1GiB", "100MB".
type ByteSize int64

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *ByteSize) UnmarshalText(t []byte) error {
	s := strings.TrimSpace(string(t))
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size like 1048576, 512MiB or 1GiB", t)
	}
	*b = ByteSize(n * mult)
	return nil
}

// trimList drops the blanks around and between comma-separated items.
func trimList(items []string) []string {
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// VADParams are the voice-activity segmentation parameters from the VAD_*
// settings.
func (c Config) VADParams() vad.Params {
	return vad.Params{Threshold: c.VADThreshold, MinSpeech: c.VADMinSpeech, MinSilence: c.VADMinSilence,
		MaxSpeech: c.VADMaxSpeech, SpeechPad: c.VADSpeechPad, Overlap: c.VADOverlap}
}

// DecodingOptions are the text decoder's defaults from BEAM_SIZE, BEST_OF,
// TEMPERATURE, FALLBACK, DECODING_RULES and DECODER_BATCH.
func (c Config) DecodingOptions() whisper.Options {
	return whisper.Options{BeamSize: c.BeamSize, BestOf: c.BestOf, Rules: c.Rules,
		Temperatures: whisper.TemperatureSchedule(c.Temperature, c.Fallback), Unbatched: !c.DecoderBatch}
}
