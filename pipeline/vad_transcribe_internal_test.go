package pipeline

import (
	"bytes"
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/vad"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// loudDevice counts Encode calls and, instead of an encoder, writes to
// out[i] 1 where the mel frames 2i and 2i+1 (20 ms) are louder than the
// window's floor, else 0: a stand-in encoder whose output says where the
// window has sound.
type loudDevice struct {
	encodes atomic.Int32
}

func (d *loudDevice) Name() string { return xdna.DriverSim }
func (d *loudDevice) Close() error { return nil }

func (d *loudDevice) Encode(ctx context.Context, mel, out []float32) error {
	d.encodes.Add(1)
	const nMels = 80
	frames := len(mel) / nMels
	floor := float32(math.Inf(1))
	for _, v := range mel {
		floor = min(floor, v)
	}
	clear(out)
	for f := range frames {
		for m := range nMels {
			if mel[m*frames+f] > floor+0.25 {
				out[f/2] = 1
				break
			}
		}
	}
	return nil
}

// soundText makes one segment of every run of sound loudDevice reported,
// 40 ms shorter at both ends (the mel's window smears sound into silence).
type soundText struct{}

func (soundText) Start(context.Context, *Request) (TextSession, error) { return soundText{}, nil }
func (soundText) Close()                                               {}

func (soundText) DecodeWindow(_ context.Context, enc []float32, w Window) (WindowText, error) {
	const pos = 20 * time.Millisecond
	n := w.Samples / 320
	var out WindowText
	for i := 0; i < n; {
		if enc[i] == 0 {
			i++
			continue
		}
		j := i
		for j < n && enc[j] != 0 {
			j++
		}
		if a, b := i+2, j-2; b > a {
			out.Segments = append(out.Segments, job.Segment{
				Start: (w.Start + time.Duration(a)*pos).Seconds(),
				End:   (w.Start + time.Duration(b)*pos).Seconds(),
				Text:  "s",
			})
		}
		i = j
	}
	return out, nil
}

func vadTranscriber(t *testing.T, m *vad.Model) (*Transcriber, *loudDevice) {
	t.Helper()
	pools, err := xdna.NewPools(xdna.Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 64}, xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	mel, err := NewMel(MelFilters(80), 80)
	if err != nil {
		t.Fatal(err)
	}
	dev := &loudDevice{}
	return NewTranscriber(pools, dev, mel, WithTextDecoder(soundText{}), WithTempDir(t.TempDir()), WithVAD(m, vad.DefaultParams())), dev
}

func wavOf(samples []float32) []byte {
	var b bytes.Buffer
	wav.Write(&b, samples, SampleRate)
	return b.Bytes()
}

// A silent file with VAD: no segments, no windows, no encoder work.
func TestTranscribeVADSilent(t *testing.T) {
	tr, dev := vadTranscriber(t, loadVADModel(t))
	data := wavOf(make([]float32, 70*SampleRate))
	out, err := tr.Transcribe(context.Background(), &Request{Audio: bytes.NewReader(data), VAD: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := dev.encodes.Load(); n != 0 || out.Windows != 0 || len(out.Segments) != 0 || out.Segments == nil || out.Text != "" {
		t.Fatalf("%d encodes, transcript %+v", n, out)
	}
	if out.Duration != 70*time.Second || out.Timings.VAD <= 0 {
		t.Fatalf("duration %v, timings %+v", out.Duration, out.Timings)
	}
	// Without VAD the same file is three windows.
	if out, err = tr.Transcribe(context.Background(), &Request{Audio: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	if n := dev.encodes.Load(); n != 3 || out.Windows != 3 || out.Timings.VAD != 0 {
		t.Fatalf("without VAD: %d encodes, %d windows, timings %+v", n, out.Windows, out.Timings)
	}
	// A transcriber without a model ignores the request's VAD.
	plain := NewTranscriber(tr.pools, dev, tr.mel, WithTempDir(t.TempDir()), WithVAD(nil, vad.Params{}))
	if plain.HasVAD() || !tr.HasVAD() {
		t.Fatal("HasVAD")
	}
	if out, err = plain.Transcribe(context.Background(), &Request{Audio: bytes.NewReader(data), VAD: true}); err != nil || out.Windows != 3 {
		t.Fatalf("no model: %v, %+v", err, out)
	}
}

// jfk.wav four times with 40 s of silence between the copies (164 s):
// six windows without VAD, two with it, and with VAD every segment's
// start and end, mapped back, lies within the speech whisper.cpp finds in
// one of the copies (0.32–10.62 s of jfk.wav) widened by the 30 ms pad.
func TestTranscribeVADPauses(t *testing.T) {
	tr, dev := vadTranscriber(t, loadVADModel(t))
	jfk := readJFK(t)
	gap := make([]float32, 40*SampleRate)
	var audio []float32
	var copies []float64
	for i := range 4 {
		if i > 0 {
			audio = append(audio, gap...)
		}
		copies = append(copies, float64(len(audio))/SampleRate)
		audio = append(audio, jfk...)
	}
	data := wavOf(audio)

	plain, err := tr.Transcribe(context.Background(), &Request{Audio: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Windows != 6 || dev.encodes.Load() != 6 {
		t.Fatalf("without VAD: %d windows, %d encodes", plain.Windows, dev.encodes.Load())
	}
	out, err := tr.Transcribe(context.Background(), &Request{Audio: bytes.NewReader(data), VAD: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Windows != 2 || dev.encodes.Load() != 8 {
		t.Fatalf("with VAD: %d windows, %d encodes in all", out.Windows, dev.encodes.Load())
	}
	if out.Duration != plain.Duration || out.Duration != time.Duration(len(audio))*time.Second/SampleRate {
		t.Fatalf("duration %v, want %v", out.Duration, plain.Duration)
	}
	const pad = 0.03 + 1e-9
	inSpeech := func(x float64) int {
		for i, c := range copies {
			if x >= c+0.32-pad && x <= c+10.62+pad {
				return i
			}
		}
		return -1
	}
	seen := map[int]bool{}
	for i, s := range out.Segments {
		a, b := inSpeech(s.Start), inSpeech(s.End)
		if a < 0 || a != b || s.End <= s.Start {
			t.Fatalf("segment %d %.2f–%.2f is not within one copy's speech (copies at %v)", i, s.Start, s.End, copies)
		}
		if i > 0 && s.Start < out.Segments[i-1].Start {
			t.Fatalf("segments out of order: %+v", out.Segments)
		}
		seen[a] = true
	}
	if len(seen) != 4 {
		t.Fatalf("segments in copies %v, want all four: %+v", seen, out.Segments)
	}
	t.Logf("%d segments, first %.2f–%.2f, last %.2f–%.2f; vad %v", len(out.Segments),
		out.Segments[0].Start, out.Segments[0].End, out.Segments[len(out.Segments)-1].Start, out.Segments[len(out.Segments)-1].End, out.Timings.VAD)
}

// A cancelled job stops in the detector with the context's error.
func TestTranscribeVADCancelled(t *testing.T) {
	tr, dev := vadTranscriber(t, loadVADModel(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := wavOf(Tone(5, 300))
	// The decode loop sees the cancellation first; go through speechOnly
	// directly to check the detector's.
	if _, err := tr.Transcribe(ctx, &Request{Audio: bytes.NewReader(data), VAD: true}); err == nil {
		t.Fatal("no error")
	}
	f := spoolOf(t, Tone(5, 300))
	n := int64(5 * SampleRate)
	var tm Timings
	if _, err := tr.speechOnly(ctx, &Request{VAD: true}, &f, &n, &tm); err == nil || dev.encodes.Load() != 0 {
		t.Fatalf("speechOnly: %v", err)
	}
}
