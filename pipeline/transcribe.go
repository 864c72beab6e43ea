package pipeline

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/audio"
	"github.com/xdna-worker/xdna-worker/audio/ffmpeg"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// Window describes one 30 s window of a job's audio.
type Window struct {
	Index   int           // 0-based
	Start   time.Duration // offset of the window in the audio
	Samples int           // audio samples in the window (≤ 480,000)
	// Remaining is the number of audio samples from Start to the end of
	// the audio (≥ Samples): the text decoder stops at a timestamp at the
	// audio's end, as whisper.cpp does. 0 means the window ends the audio.
	Remaining int64
}

// WindowText is what the text decoder made of one window. Segment times are
// relative to the start of the audio.
type WindowText struct {
	Language string
	Segments []job.Segment
	// Consumed is how much of the window the text accounts for; the next
	// window starts there (Whisper's seek). Zero means the whole window.
	Consumed time.Duration
}

// TextDecoder turns encoder output into text. It runs on the CPU after
// Device.Encode.
type TextDecoder interface {
	// Start begins a job; its windows are then decoded in order by the
	// returned session, which may carry context from one to the next.
	Start(ctx context.Context, req *Request) (TextSession, error)
}

// TextSession decodes the windows of one job.
type TextSession interface {
	// DecodeWindow decodes one window. It must not keep enc after it returns.
	DecodeWindow(ctx context.Context, enc []float32, w Window) (WindowText, error)
	// Close releases the session.
	Close()
}

// Request is one job's audio and options.
type Request struct {
	Audio audio.Input // the fetched object, in any supported format
	Size  int64       // its size in bytes, 0 if unknown
	// Reserved is the audio buffer reserved at admission, before the job's
	// message was pulled. Transcribe takes ownership and releases it. When it
	// is not valid, Transcribe acquires one itself.
	Reserved xdna.Buffer
	Language string
	Task     string
	Prompt   string
	// Decoding overrides the text decoder's defaults for this job (nil:
	// none); the job validated it.
	Decoding *job.Decoding
	// ReleaseAudio, if set, is called once Audio has been decoded (or has
	// failed to decode): the caller may then free what backs it (the
	// fetched object's spool) while the windows are encoded.
	ReleaseAudio func()
	// VAD sends only the speech through the encoder when the transcriber
	// has a voice-activity model (WithVAD); times stay those of the audio.
	VAD bool
	// WordTimestamps asks the text decoder for each segment's words
	// (job.Segment.Words); VAD's mapping back applies to them too.
	WordTimestamps bool
	// Progress, if set, is told each stage the job enters and, after every
	// window, how far the transcript has come (job.Progress without its
	// JobID and Worker). It is called on the job's goroutine and must not
	// block.
	Progress func(job.Progress)
}

// report tells req.Progress, if set, where the job is.
func (req *Request) report(p job.Progress) {
	if req.Progress != nil {
		req.Progress(p)
	}
}

// windowsLeft is the number of windows samples more samples take when
// every window moves a full 30 s.
func windowsLeft(samples int64) int {
	return int((samples + SamplesPerWindow - 1) / SamplesPerWindow)
}

// Timings are the time spent in each stage, summed over windows.
type Timings struct {
	Decode     time.Duration // decode, down-mix and resample to 16 kHz
	VAD        time.Duration // voice activity detection and packing the speech
	Mel        time.Duration
	Encode     time.Duration
	DecodeText time.Duration
}

// Transcript is the outcome of a successful Transcribe.
type Transcript struct {
	Text     string
	Language string
	Duration time.Duration
	Segments []job.Segment
	Windows  int
	Timings  Timings
}

// Transcriber runs jobs through the stages: decode → resample → [audio] →
// log-mel → [mel] → Device.Encode → [encoder_output] → text decoder. Each
// stage holds its pool buffer only until the next stage owns the data, and
// buffers are always acquired in pipeline order, so no set of jobs can
// deadlock on the pools.
type Transcriber struct {
	pools       *xdna.Pools
	dev         xdna.Device
	mel         *Mel
	text        TextDecoder
	maxDuration time.Duration
	tempDir     string
	spoolPrefix string
	ffmpeg      *ffmpeg.Config
	vad         *vadStage
	// encLen is the encoder output of one window (n_audio_ctx ×
	// n_audio_state, WithDims); 0: the whole encoder_output buffer.
	encLen int
	tracer trace.Tracer
}

// Option configures a Transcriber.
type Option func(*Transcriber)

// WithTextDecoder sets the text decoder; without one, transcripts are empty
// (the sim device).
func WithTextDecoder(d TextDecoder) Option { return func(t *Transcriber) { t.text = d } }

// WithMaxDuration sets the longest audio accepted (MAX_AUDIO_DURATION).
func WithMaxDuration(d time.Duration) Option { return func(t *Transcriber) { t.maxDuration = d } }

// WithFFmpeg lets the transcriber decode, with an external ffmpeg run as
// cfg says, the formats the pure-Go decoders do not handle. Its output is
// capped at the maximum duration.
func WithFFmpeg(cfg ffmpeg.Config) Option {
	return func(t *Transcriber) { t.ffmpeg = &cfg }
}

// WithTempDir sets where decoded audio is spooled (os.TempDir by default).
func WithTempDir(dir string) Option { return func(t *Transcriber) { t.tempDir = dir } }

// WithSpoolPrefix starts the names of the spool files (then "pcm-"), so
// that a worker can find its own leftovers after a crash. The files are
// unlinked as soon as they are created, so only a crash in that instant
// leaves one behind.
func WithSpoolPrefix(prefix string) Option { return func(t *Transcriber) { t.spoolPrefix = prefix } }

// WithDims gives the model's dimensions where the pools may be sized for a
// larger model (a worker with several models): each window then uses the
// first n_mels × 3000 values of its mel buffer and the first n_audio_ctx ×
// n_audio_state of its encoder_output buffer. Without it the mel buffer is
// sized by the Mel front end and the encoder gets the whole buffer.
func WithDims(d xdna.Dims) Option {
	return func(t *Transcriber) { t.encLen = d.NAudioCtx * d.NAudioState }
}

// NewTranscriber returns a Transcriber over the given pools, device and mel
// front end.
func NewTranscriber(pools *xdna.Pools, dev xdna.Device, mel *Mel, opts ...Option) *Transcriber {
	t := &Transcriber{pools: pools, dev: dev, mel: mel, tracer: defaultTracer()}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Device returns the encoder device.
func (t *Transcriber) Device() xdna.Device { return t.dev }

// Transcribe runs one job. The context should carry the job id (xdna.WithJob)
// so pool buffers are attributed to it. Errors carry job codes: bad audio is
// permanent (audio_decode, audio_too_long, unsupported_format), the rest is
// internal or the context's error. Each stage is a span (WithTracerProvider)
// under the span ctx carries, with the job id.
func (t *Transcriber) Transcribe(ctx context.Context, req *Request) (tr *Transcript, err error) {
	audio := req.Reserved
	defer func() { audio.Release() }() // no-op once released below
	if !audio.Valid() {
		if audio, err = t.pools.Audio.Acquire(ctx); err != nil {
			return nil, err
		}
	}
	tr = &Transcript{}

	start := time.Now()
	req.report(job.Progress{Stage: job.StageDecode})
	dctx, span := t.startStage(ctx, "decode")
	spool, samples, err := t.decode(dctx, req.Audio, req.Size, audio.Data())
	endStage(span, err)
	tr.Timings.Decode = time.Since(start)
	if req.ReleaseAudio != nil {
		req.ReleaseAudio()
	}
	if err != nil {
		return nil, err
	}
	defer func() { closeSpool(spool) }() // the speech-only spool once VAD ran
	tr.Duration = time.Duration(samples) * time.Second / SampleRate
	speech, err := t.speechOnly(ctx, req, &spool, &samples, &tr.Timings)
	if err != nil {
		return nil, err
	}

	var sess TextSession
	if t.text != nil && samples > 0 {
		if sess, err = t.text.Start(ctx, req); err != nil {
			return nil, err
		}
		defer sess.Close()
	}
	scratch := make([]byte, 64<<10)
	done := job.Progress{Stage: job.StageTranscribe, WindowsTotal: windowsLeft(samples), DurationS: float64(samples) / SampleRate}
	req.report(done)
	var w Window
	for off := int64(0); off < samples; w.Index++ {
		w.Start = time.Duration(off) * time.Second / SampleRate
		w.Samples = int(min(samples-off, SamplesPerWindow))
		w.Remaining = samples - off
		if !audio.Valid() {
			if audio, err = t.pools.Audio.Acquire(ctx); err != nil {
				return nil, err
			}
		}
		if err := readWindow(spool, off, w.Samples, audio.Data(), scratch); err != nil {
			return nil, job.WithCode(job.CodeInternal, err)
		}
		text, err := t.window(ctx, &audio, w, sess, &tr.Timings)
		if err != nil {
			return nil, err
		}
		step := int64(w.Samples)
		if c := int64(text.Consumed * SampleRate / time.Second); c > 0 && c < step {
			step = c
		}
		off += step
		if tr.Language == "" {
			tr.Language = text.Language
		}
		// The window's text as tr.Text will join it: a space between
		// segments.
		done.Text = ""
		for i, s := range text.Segments {
			if len(tr.Segments)+i > 0 {
				done.Text += " "
			}
			done.Text += s.Text
		}
		tr.Segments = append(tr.Segments, text.Segments...)
		tr.Windows++
		done.WindowsDone, done.AudioDoneS = tr.Windows, float64(off)/SampleRate
		done.WindowsTotal = tr.Windows + windowsLeft(samples-off)
		req.report(done)
	}
	speech.mapBack(tr.Segments)
	for i, s := range tr.Segments {
		if i > 0 {
			tr.Text += " "
		}
		tr.Text += s.Text
	}
	if tr.Segments == nil {
		tr.Segments = []job.Segment{}
	}
	return tr, nil
}

// window runs one window from a filled audio buffer to text. It releases
// the audio buffer as soon as the mel buffer holds the data.
func (t *Transcriber) window(ctx context.Context, audio *xdna.Buffer, w Window, sess TextSession, tm *Timings) (WindowText, error) {
	mel, err := t.pools.Mel.Acquire(ctx)
	if err != nil {
		return WindowText{}, err
	}
	defer mel.Release()
	melData, melLen := mel.Data(), t.mel.nMels*FramesPerWindow
	if len(melData) < melLen {
		return WindowText{}, job.Errorf(job.CodeInternal, "mel buffer of %d values is smaller than the model's %d", len(melData), melLen)
	}
	melData = melData[:melLen]
	win := telemetry.AttrWindow.Int(w.Index)
	start := time.Now()
	_, span := t.startStage(ctx, "mel", win)
	err = t.mel.Compute(audio.Data()[:w.Samples], melData)
	endStage(span, err)
	tm.Mel += time.Since(start)
	audio.Release()
	*audio = xdna.Buffer{}
	if err != nil {
		return WindowText{}, job.WithCode(job.CodeInternal, err)
	}

	enc, err := t.pools.EncoderOutput.Acquire(ctx)
	if err != nil {
		return WindowText{}, err
	}
	defer enc.Release()
	encData := enc.Data()
	if t.encLen > 0 {
		if len(encData) < t.encLen {
			return WindowText{}, job.Errorf(job.CodeInternal, "encoder_output buffer of %d values is smaller than the model's %d", len(encData), t.encLen)
		}
		encData = encData[:t.encLen]
	}
	start = time.Now()
	ectx, span := t.startStage(ctx, "encode", win, attribute.String("device", t.dev.Name()))
	err = t.dev.Encode(ectx, melData, encData)
	endStage(span, err)
	tm.Encode += time.Since(start)
	mel.Release()
	if err != nil {
		return WindowText{}, fmt.Errorf("encode window %d on %s: %w", w.Index, t.dev.Name(), err)
	}
	if sess == nil {
		return WindowText{}, nil
	}
	start = time.Now()
	tctx, span := t.startStage(ctx, "decode_text", win)
	text, err := sess.DecodeWindow(tctx, encData, w)
	endStage(span, err)
	tm.DecodeText += time.Since(start)
	return text, err
}

// decode decodes, mixes down and resamples the whole input to 16 kHz mono
// float32 in a spool file, using buf (the reserved audio buffer) as
// scratch. It enforces the duration limit from the container's header
// before decoding (where the header can be trusted, see audio.Open) and
// while decoding.
func (t *Transcriber) decode(ctx context.Context, r audio.Input, size int64, buf []float32) (*os.File, int64, error) {
	var opts []audio.Option
	if t.ffmpeg != nil {
		cfg := *t.ffmpeg
		cfg.MaxDuration = t.maxDuration
		opts = append(opts, audio.WithFFmpeg(cfg))
	}
	dec, err := OpenAudio(ctx, r, size, opts...)
	if err != nil {
		return nil, 0, err
	}
	defer dec.Close()
	limit := int64(math.MaxInt64)
	if t.maxDuration > 0 {
		limit = int64(t.maxDuration / time.Second * SampleRate)
		limit += int64(t.maxDuration%time.Second) * SampleRate / int64(time.Second)
		if d, ok := dec.Duration(); ok && d > t.maxDuration {
			return nil, 0, job.Errorf(job.CodeAudioTooLong, "audio is %v long, longer than the limit of %v", d.Round(time.Millisecond), t.maxDuration)
		}
	}
	prefix := t.spoolPrefix
	if prefix == "" {
		prefix = "xdna-"
	}
	f, err := os.CreateTemp(t.tempDir, prefix+"pcm-*")
	if err != nil {
		return nil, 0, job.WithCode(job.CodeInternal, err)
	}
	// No name while it is in use: nothing is left behind if the process is
	// killed (the open descriptor keeps the data until it is closed).
	_ = os.Remove(f.Name())
	var n int64
	bytes := make([]byte, 4*len(buf[:min(len(buf), 16384)]))
	chunk := buf[:len(bytes)/4]
	for {
		if err := ctx.Err(); err != nil {
			closeSpool(f)
			return nil, 0, err
		}
		k, rerr := dec.Read(chunk)
		if k > 0 {
			n += int64(k)
			if n > limit {
				closeSpool(f)
				return nil, 0, job.Errorf(job.CodeAudioTooLong, "audio is longer than the limit of %v", t.maxDuration)
			}
			for i, v := range chunk[:k] {
				binary.LittleEndian.PutUint32(bytes[4*i:], math.Float32bits(v))
			}
			if _, err := f.Write(bytes[:4*k]); err != nil {
				closeSpool(f)
				return nil, 0, job.WithCode(job.CodeInternal, fmt.Errorf("spool decoded audio: %w", err))
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			closeSpool(f)
			if job.CodeOf(rerr) == job.CodeAudioTooLong {
				return nil, 0, job.Errorf(job.CodeAudioTooLong, "audio is longer than the limit of %v", t.maxDuration)
			}
			return nil, 0, rerr
		}
	}
	if n == 0 {
		closeSpool(f)
		return nil, 0, job.Errorf(job.CodeAudioDecode, "audio has no samples")
	}
	return f, n, nil
}

// readWindow fills dst with n samples from the spool at sample offset off
// and zeroes the rest of dst (the zero padding of a short last window).
func readWindow(f *os.File, off int64, n int, dst []float32, scratch []byte) error {
	done := 0
	for done < n {
		k := min(n-done, len(scratch)/4)
		if _, err := f.ReadAt(scratch[:4*k], 4*(off+int64(done))); err != nil {
			return fmt.Errorf("read spooled audio: %w", err)
		}
		for i := range k {
			dst[done+i] = math.Float32frombits(binary.LittleEndian.Uint32(scratch[4*i:]))
		}
		done += k
	}
	clear(dst[n:])
	return nil
}

// closeSpool closes an (already unlinked) spool file, freeing its space.
func closeSpool(f *os.File) { f.Close() }
