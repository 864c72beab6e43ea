package pipeline

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/testenv"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/vad"
)

// vadModelFixture is the real Silero v6.2.0 model in
// ../shared/fixtures/vad (see its README).
const vadModelFixture = "for-tests-silero-v6.2.0-ggml.bin"

var (
	vadOnce     sync.Once
	vadModel    *vad.Model
	vadModelErr error
)

// loadVADModel loads the VAD model fixture once per test binary, ending tb
// as testenv.Missing does when it is absent (skip locally, fail under CI).
func loadVADModel(tb testing.TB) *vad.Model {
	tb.Helper()
	p := filepath.Join(filepath.Dir(whisperFixtures(tb)), "vad", vadModelFixture)
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(tb, "VAD model fixture missing: %v", err)
	}
	vadOnce.Do(func() { vadModel, vadModelErr = vad.Load(p) })
	if vadModelErr != nil {
		tb.Fatal(vadModelErr)
	}
	return vadModel
}

// readJFK returns jfk.wav's 176,000 samples.
func readJFK(tb testing.TB) []float32 {
	tb.Helper()
	f, err := os.Open(fixtureFile(tb, "jfk.wav"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d, err := OpenAudio(context.Background(), f, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	out := make([]float32, 0, 176000)
	buf := make([]float32, 4096)
	for {
		k, err := d.Read(buf)
		out = append(out, buf[:k]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// spoolOf writes samples to an unlinked spool file as Transcribe does.
func spoolOf(tb testing.TB, samples []float32) *os.File {
	tb.Helper()
	f, err := os.CreateTemp(tb.TempDir(), "spool-*")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	b := make([]byte, 4*len(samples))
	for i, v := range samples {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if _, err := f.Write(b); err != nil {
		tb.Fatal(err)
	}
	return f
}

// The packing and the time tables are whisper.cpp's whisper_vad, worked
// by hand for two segments of 10 s of audio: 0.32–2.27 s and 3.27–4.41 s,
// overlap 0.1 s.
func TestPackSpeech(t *testing.T) {
	cs := func(c int64) time.Duration { return time.Duration(c) * 10 * time.Millisecond }
	segs := []vad.Segment{{Start: cs(32), End: cs(227)}, {Start: cs(327), End: cs(441)}}
	pieces, m := packSpeech(segs, 160000, 100*time.Millisecond)
	wantPieces := []speechPiece{{from: 5120, to: 37920, silence: 1600}, {from: 52320, to: 70560}}
	if !slices.Equal(pieces, wantPieces) {
		t.Fatalf("pieces %+v, want %+v", pieces, wantPieces)
	}
	wantPoints := []timePoint{{0, 32}, {195, 227}, {205, 227}, {215, 327}, {329, 441}}
	if !slices.Equal(m.points, wantPoints) {
		t.Fatalf("points %+v, want %+v", m.points, wantPoints)
	}
	wantSegs := []vadSegment{{32, 227, 0, 195}, {327, 441, 215, 329}}
	if !slices.Equal(m.segs, wantSegs) {
		t.Fatalf("segments %+v, want %+v", m.segs, wantSegs)
	}
	for _, c := range []struct{ in, orig, token int64 }{
		{-5, 32, 32}, {0, 32, 32}, {100, 132, 132}, {195, 227, 227},
		{200, 227, 227}, // overlap: the segment's end
		{210, 277, 327}, // the silence: interpolated / snapped to the nearer edge
		{205, 227, 227}, {215, 327, 327}, {272, 384, 384}, {329, 441, 441}, {500, 441, 441},
	} {
		if got := m.original(c.in); got != c.orig {
			t.Errorf("original(%d) = %d, want %d", c.in, got, c.orig)
		}
		if got := m.token(c.in); got != c.token {
			t.Errorf("token(%d) = %d, want %d", c.in, got, c.token)
		}
	}
	if a, b := m.tokenSpan(195, 200); a != 227 || b != 228 {
		t.Errorf("tokenSpan(195, 200) = %d, %d; want 227, 228", a, b)
	}

	// Segments get whisper.cpp's 10 cs minimum after mapping.
	out := []job.Segment{{Start: 0, End: 1}, {Start: 1.96, End: 2.0}, {Start: 3.0, End: 9}, {Start: 9, End: 9}}
	m.mapBack(out)
	want := []job.Segment{{Start: 0.32, End: 1.32}, {Start: 2.27, End: 2.37}, {Start: 4.12, End: 4.41}, {Start: 4.41, End: 4.51}}
	if !slices.EqualFunc(out, want, func(a, b job.Segment) bool {
		return math.Abs(a.Start-b.Start) < 1e-9 && math.Abs(a.End-b.End) < 1e-9
	}) {
		t.Fatalf("mapped %+v, want %+v", out, want)
	}

	// Words map as tokens do (tokenSpan), within their mapped segment.
	withWords := []job.Segment{{Start: 1.0, End: 2.5, Words: []job.Word{
		{Word: " a", Start: 1.0, End: 1.95}, {Word: " b", Start: 1.95, End: 2.0},
		{Word: " c", Start: 2.05, End: 2.1}, {Word: " d", Start: 2.15, End: 2.5},
	}}}
	m.mapBack(withWords)
	wantWords := [][2]float64{{1.32, 2.27}, {2.27, 2.28}, {2.27, 3.27}, {3.27, 3.62}} // token(205) = 227, token(210) = 327
	if s := withWords[0]; s.Start != 1.32 || s.End != 3.62 {
		t.Fatalf("segment mapped to [%v, %v], want [1.32, 3.62]", s.Start, s.End)
	}
	clamp := []job.Segment{{Start: 1.0, End: 1.5, Words: []job.Word{{Word: " e", Start: 1.4, End: 2.1}}}}
	m.mapBack(clamp)
	if w := clamp[0].Words[0]; w.Start != 1.72 || w.End != 1.82 {
		t.Errorf("word past its segment mapped to [%v, %v], want [1.72, 1.82] (the segment's end)", w.Start, w.End)
	}
	for k, w := range withWords[0].Words {
		if math.Abs(w.Start-wantWords[k][0]) > 1e-9 || math.Abs(w.End-wantWords[k][1]) > 1e-9 {
			t.Errorf("word %d mapped to [%v, %v], want %v", k, w.Start, w.End, wantWords[k])
		}
	}

	// Every time inside a packed segment maps inside its original segment.
	for _, s := range m.segs {
		for p := s.vadStart; p <= s.vadEnd; p++ {
			if o := m.original(p); o < s.origStart || o > s.origEnd {
				t.Fatalf("original(%d) = %d outside %+v", p, o, s)
			}
		}
	}

	// No segments, or none left after clamping: nothing to pack.
	if p, m := packSpeech(nil, 160000, 0); p != nil || len(m.points) != 0 {
		t.Fatalf("no segments: %+v %+v", p, m)
	}
	if p, _ := packSpeech([]vad.Segment{{Start: cs(1100), End: cs(1200)}}, 160000, 0); p != nil {
		t.Fatalf("a segment past the end: %+v", p)
	}
	var nilMap *vadMapping
	nilMap.mapBack(out) // no-op
}

// The probabilities of spooled audio (jfk.wav six times, 66 s, more than
// an audio buffer) are those of one pass over the samples in memory, and
// the readSpool fallback gives the same samples as the mapping.
func TestVADSpoolProbabilities(t *testing.T) {
	m := loadVADModel(t)
	jfk := readJFK(t)
	var audio []float32
	for range 6 {
		audio = append(audio, jfk...)
	}
	whole, err := m.NewDetector().Probabilities(context.Background(), audio)
	if err != nil {
		t.Fatal(err)
	}
	s := &vadStage{model: m, params: vad.DefaultParams()}
	s.dets.New = func() any { return m.NewDetector() }
	spool := spoolOf(t, audio)
	spooled, err := s.probabilities(context.Background(), spool, int64(len(audio)))
	if err != nil {
		t.Fatal(err)
	}
	if len(spooled) != len(whole) {
		t.Fatalf("%d probabilities, want %d", len(spooled), len(whole))
	}
	worst, at := 0.0, 0
	for i := range whole {
		if d := math.Abs(float64(spooled[i] - whole[i])); d > worst {
			worst, at = d, i
		}
	}
	if worst != 0 {
		t.Fatalf("max |Δ| %.3g at chunk %d", worst, at)
	}
	if a, b := vad.Segments(spooled), vad.Segments(whole); !slices.Equal(a, b) {
		t.Fatalf("segments differ:\nspooled %v\nwhole   %v", a, b)
	}

	// Cancelled: the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.probabilities(ctx, spool, int64(len(audio))); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
