package vad_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/vad"
)

// readSegments reads "start end" lines in seconds.
func readSegments(tb testing.TB, path string) []vad.Segment {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []vad.Segment
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 2 {
			continue
		}
		var v [2]time.Duration
		for i, s := range fs {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				tb.Fatal(err)
			}
			v[i] = time.Duration(x*1e3+0.5) * time.Millisecond
		}
		out = append(out, vad.Segment{Start: v[0], End: v[1]})
	}
	return out
}

func sameSegments(t *testing.T, got, want []vad.Segment, tol time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d segments %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if d := (got[i].Start - want[i].Start).Abs(); d > tol {
			t.Errorf("segment %d starts at %v, want %v", i, got[i].Start, want[i].Start)
		}
		if d := (got[i].End - want[i].End).Abs(); d > tol {
			t.Errorf("segment %d ends at %v, want %v", i, got[i].End, want[i].End)
		}
	}
}

// TestSegmentsFromWhisperProbs: from whisper.cpp's own probabilities the
// port must give whisper.cpp's segments exactly.
func TestSegmentsFromWhisperProbs(t *testing.T) {
	probs := readF32(t, vadFixture(t, probsFixture))
	sameSegments(t, vad.Segments(probs), readSegments(t, vadFixture(t, segmentsFixture)), 0)
	portable := readF32(t, filepath.Join("testdata", "jfk.portable.probs.f32"))
	sameSegments(t, vad.Segments(portable), readSegments(t, filepath.Join("testdata", "jfk.portable.segments.txt")), 0)
}

// chunks builds probabilities from runs: value, number of chunks, ...
func chunks(runs ...float64) []float32 {
	var p []float32
	for i := 0; i < len(runs); i += 2 {
		for range int(runs[i+1]) {
			p = append(p, float32(runs[i]))
		}
	}
	return p
}

// seg makes a segment from centiseconds.
func seg(a, b int) vad.Segment {
	return vad.Segment{Start: time.Duration(a) * 10 * time.Millisecond, End: time.Duration(b) * 10 * time.Millisecond}
}

// TestSegmentsRules checks each rule of whisper_vad_segments_from_probs on
// hand-made probabilities (one chunk is 32 ms); the expected values are
// worked out from whisper.cpp's code.
func TestSegmentsRules(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		name  string
		probs []float32
		opts  []vad.Option
		want  []vad.Segment
	}{
		{"silence", chunks(0.1, 100), nil, nil},
		{"empty", nil, nil, nil},
		// Speech from chunk 10 (5120) to silence at chunk 30 (15360),
		// ended 4 chunks later (2048 ≥ 1600 samples); pad 480.
		{"one", chunks(0.1, 10, 0.9, 20, 0.1, 70), nil, []vad.Segment{seg(29, 99)}},
		// Between the thresholds (0.35 ≤ p < 0.5) speech continues.
		{"hysteresis", chunks(0.1, 10, 0.9, 10, 0.4, 10, 0.1, 70), nil, []vad.Segment{seg(29, 99)}},
		// Too short: 5 chunks = 2560 samples ≤ 4000.
		{"short", chunks(0.1, 10, 0.9, 5, 0.1, 70), nil, nil},
		// Gap of 5 chunks (2560 < 3200 samples): 5120–15360 and
		// 17920–28160 merged, then padded.
		{"merge", chunks(0.1, 10, 0.9, 20, 0.1, 5, 0.9, 20, 0.1, 70), nil, []vad.Segment{seg(29, 179)}},
		// Gap of 10 chunks: two segments, each padded 30 ms.
		{"two", chunks(0.1, 10, 0.9, 20, 0.1, 10, 0.9, 20, 0.1, 70), nil, []vad.Segment{seg(29, 99), seg(125, 195)}},
		// Speech to the end: ends at the audio's end (no pad past it).
		{"end", chunks(0.1, 10, 0.9, 30), nil, []vad.Segment{seg(29, 128)}},
		// At the start: padding clamps at 0.
		{"start", chunks(0.9, 20, 0.1, 70), nil, []vad.Segment{seg(0, 67)}},
		// Max speech 1 s: 16000−512−960 = 14528 samples; no silence, so
		// cut where it is exceeded (0–14848, 15360–30208), then merged
		// again (gap 512 < 3200) and padded: whisper.cpp's behaviour.
		{"max", chunks(0.9, 60, 0.1, 40), []vad.Option{vad.WithMaxSpeech(time.Second)},
			[]vad.Segment{seg(0, 192)}},
		// Without padding the limit is 16000−512 = 15488 samples: cut at
		// chunk 31 (15872); the restart (chunks 32–34) is too short.
		{"maxcut", chunks(0.9, 35, 0.1, 40), []vad.Option{vad.WithMaxSpeech(time.Second), vad.WithSpeechPad(0)},
			[]vad.Segment{seg(0, 99)}},
		{"threshold", chunks(0.1, 10, 0.6, 20, 0.1, 70), []vad.Option{vad.WithThreshold(0.7)}, nil},
		{"pad0", chunks(0.1, 10, 0.9, 20, 0.1, 70), []vad.Option{vad.WithSpeechPad(0)}, []vad.Segment{seg(32, 96)}},
		{"minspeech", chunks(0.1, 10, 0.9, 5, 0.1, 70), []vad.Option{vad.WithMinSpeech(100 * ms)}, []vad.Segment{seg(29, 51)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sameSegments(t, vad.Segments(c.probs, c.opts...), c.want, 0)
		})
	}
}

// TestParams checks whisper.cpp's defaults and the options.
func TestParams(t *testing.T) {
	p := vad.DefaultParams()
	want := vad.Params{Threshold: 0.5, MinSpeech: 250 * time.Millisecond, MinSilence: 100 * time.Millisecond,
		SpeechPad: 30 * time.Millisecond, Overlap: 100 * time.Millisecond}
	if p != want {
		t.Errorf("DefaultParams() = %+v, want %+v", p, want)
	}
	q := vad.NewParams(vad.WithThreshold(0.3), vad.WithMinSpeech(time.Second), vad.WithMinSilence(2*time.Second),
		vad.WithMaxSpeech(30*time.Second), vad.WithSpeechPad(0), vad.WithOverlap(time.Second))
	want = vad.Params{Threshold: 0.3, MinSpeech: time.Second, MinSilence: 2 * time.Second, MaxSpeech: 30 * time.Second, Overlap: time.Second}
	if q != want {
		t.Errorf("NewParams(...) = %+v, want %+v", q, want)
	}
	if r := vad.NewParams(vad.WithParams(want)); r != want {
		t.Errorf("WithParams: %+v", r)
	}
}

// TestSegmentSamples checks the conversion back to samples (cs_to_samples).
func TestSegmentSamples(t *testing.T) {
	a, b := seg(32, 227).Samples()
	if a != 5120 || b != 36320 {
		t.Errorf("Samples() = %d, %d, want 5120, 36320", a, b)
	}
}
