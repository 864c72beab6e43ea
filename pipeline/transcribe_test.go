package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// recordingText is a TextDecoder that records the windows it saw and checks
// that the stages upstream already released their buffers.
type recordingText struct {
	pools   *xdna.Pools
	mu      sync.Mutex
	windows []pipeline.Window
	bad     atomic.Int32
}

func (r *recordingText) Start(context.Context, *pipeline.Request) (pipeline.TextSession, error) {
	return r, nil
}

func (r *recordingText) Close() {}

func (r *recordingText) DecodeWindow(ctx context.Context, enc []float32, w pipeline.Window) (pipeline.WindowText, error) {
	id := xdna.JobFrom(ctx)
	// By the time text decoding runs, this job holds only its encoder buffer.
	if r.pools.Audio.Held(id) != 0 || r.pools.Mel.Held(id) != 0 || r.pools.EncoderOutput.Held(id) != 1 {
		r.bad.Add(1)
	}
	r.mu.Lock()
	r.windows = append(r.windows, w)
	r.mu.Unlock()
	end := w.Start + time.Duration(w.Samples)*time.Second/pipeline.SampleRate
	return pipeline.WindowText{Language: "en", Segments: []job.Segment{{Start: w.Start.Seconds(), End: end.Seconds(), Text: fmt.Sprintf("w%d", w.Index)}}}, nil
}

func newPools(t *testing.T, audio, mel, enc int) *xdna.Pools {
	t.Helper()
	p, err := xdna.NewPools(xdna.Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 64}, xdna.PoolsConfig{AudioCount: audio, MelCount: mel, EncoderCount: enc})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newTranscriber(t *testing.T, pools *xdna.Pools, text pipeline.TextDecoder, opts ...pipeline.Option) *pipeline.Transcriber {
	t.Helper()
	mel, err := pipeline.NewMel(pipeline.MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := xdna.NewSim(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, pipeline.WithTextDecoder(text), pipeline.WithTempDir(t.TempDir()))
	return pipeline.NewTranscriber(pools, dev, mel, opts...)
}

func wavBytes(seconds float64) []byte {
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(seconds, 300), pipeline.SampleRate)
	return b.Bytes()
}

// 70 s of audio is three windows (30 + 30 + 10 s), contiguous, with every
// buffer back in its pool afterwards.
func TestTranscribeWindows(t *testing.T) {
	pools := newPools(t, 1, 1, 1)
	text := &recordingText{pools: pools}
	tr := newTranscriber(t, pools, text)
	ctx := xdna.WithJob(context.Background(), "long")
	data := wavBytes(70)
	out, err := tr.Transcribe(ctx, &pipeline.Request{Audio: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if out.Windows != 3 || len(text.windows) != 3 || out.Duration != 70*time.Second {
		t.Fatalf("windows %d, duration %v", out.Windows, out.Duration)
	}
	wantSamples := []int{480000, 480000, 160000}
	for i, w := range text.windows {
		if w.Index != i || w.Samples != wantSamples[i] || w.Start != time.Duration(i)*30*time.Second {
			t.Fatalf("window %d: %+v", i, w)
		}
	}
	for i := 1; i < len(out.Segments); i++ {
		if out.Segments[i].Start != out.Segments[i-1].End {
			t.Fatalf("segments not contiguous: %+v", out.Segments)
		}
	}
	if out.Text != "w0 w1 w2" || out.Language != "en" {
		t.Fatalf("text %q language %q", out.Text, out.Language)
	}
	if text.bad.Load() != 0 {
		t.Fatal("a stage kept its buffer after the next stage owned the data")
	}
	for _, p := range pools.All() {
		if s := p.Stats(); s.BuffersInUse != 0 || p.Held("long") != 0 {
			t.Fatalf("pool %s: %+v", s.Name, s)
		}
	}
	if out.Timings.Mel <= 0 || out.Timings.Decode <= 0 {
		t.Fatalf("timings %+v", out.Timings)
	}
}

// Request.Progress hears each stage and, after every window, the windows
// and seconds of audio done: 70 s is 3 windows.
func TestTranscribeProgress(t *testing.T) {
	pools := newPools(t, 1, 1, 1)
	tr := newTranscriber(t, pools, &recordingText{pools: pools})
	data := wavBytes(70)
	var got []job.Progress
	out, err := tr.Transcribe(context.Background(), &pipeline.Request{Audio: bytes.NewReader(data), Size: int64(len(data)),
		Progress: func(p job.Progress) { got = append(got, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Text != "w0 w1 w2" {
		t.Fatalf("text %q", out.Text)
	}
	tp := func(done, total int, at float64, text string) job.Progress {
		return job.Progress{Stage: job.StageTranscribe, WindowsDone: done, WindowsTotal: total, AudioDoneS: at, DurationS: 70, Text: text}
	}
	// Each window's text, joined as the transcript's: the texts add up to
	// it.
	want := []job.Progress{{Stage: job.StageDecode}, tp(0, 3, 0, ""), tp(1, 3, 30, "w0"), tp(2, 3, 60, " w1"), tp(3, 3, 70, " w2")}
	if !slices.Equal(got, want) {
		t.Fatalf("progress:\n got %+v\nwant %+v", got, want)
	}
}

// Many jobs through deliberately unbalanced small pools finish without
// deadlock, and never hold more buffers than the pools have.
func TestTranscribeConcurrentSmallPools(t *testing.T) {
	pools := newPools(t, 3, 1, 2)
	text := &recordingText{pools: pools}
	tr := newTranscriber(t, pools, text)
	data := wavBytes(35) // two windows each
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jctx := xdna.WithJob(ctx, fmt.Sprintf("job-%d", i))
			_, err := tr.Transcribe(jctx, &pipeline.Request{Audio: bytes.NewReader(data)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(text.windows) != 24 || text.bad.Load() != 0 {
		t.Fatalf("%d windows, %d with buffers held too long", len(text.windows), text.bad.Load())
	}
	for _, p := range pools.All() {
		if s := p.Stats(); s.BuffersInUse != 0 || s.HasLeaks {
			t.Fatalf("pool %s: %+v", s.Name, s)
		}
	}
}

func TestTranscribeErrors(t *testing.T) {
	pools := newPools(t, 1, 1, 1)
	tr := newTranscriber(t, pools, &recordingText{pools: pools}, pipeline.WithMaxDuration(10*time.Second))
	long := wavBytes(12)
	cases := []struct {
		name string
		data []byte
		size int64
		code job.Code
	}{
		{"too long by header", long, int64(len(long)), job.CodeAudioTooLong},
		{"too long while decoding", long, 0, job.CodeAudioTooLong},
		{"empty", nil, 0, job.CodeAudioDecode},
		{"header only", wavBytes(0), 44, job.CodeAudioDecode},
		{"not audio", []byte("this is a text file, not audio at all, with more bytes to sniff"), 0, job.CodeUnsupportedFormat},
		{"truncated FLAC", []byte("fLaC\x00\x00\x00\x22 and more bytes to sniff"), 0, job.CodeAudioDecode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := xdna.WithJob(context.Background(), c.name)
			_, err := tr.Transcribe(ctx, &pipeline.Request{Audio: bytes.NewReader(c.data), Size: c.size})
			if got := job.CodeOf(err); got != c.code {
				t.Fatalf("code %s (%v), want %s", got, err, c.code)
			}
			for _, p := range pools.All() {
				if p.Held(c.name) != 0 || p.Available() != 1 {
					t.Fatalf("pool %s: buffer not released on the error path", p.Name())
				}
			}
		})
	}
	// A cancelled job gives the context's error and releases everything.
	ctx, cancel := context.WithCancel(xdna.WithJob(context.Background(), "cancelled"))
	cancel()
	_, err := tr.Transcribe(ctx, &pipeline.Request{Audio: bytes.NewReader(wavBytes(5))})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	for _, p := range pools.All() {
		if p.Available() != 1 {
			t.Fatalf("pool %s not released after cancel", p.Name())
		}
	}
}
