package whisper

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// Two timestamped segments of real English text (R7 has tiny.en's
// vocabulary; skipped locally, failing under CI, without the fixtures):
// addWords splits each segment's tokens into words with punctuation merged,
// in the window's time, within the segment, in order, their texts making the
// segment's text.
func TestAddWordsSegments(t *testing.T) {
	m, err := Load(whispertest.R7Model(t))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := m.NewTextDecoder(Options{}).Start(context.Background(), &pipeline.Request{WordTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	s := ts.(*session)
	defer s.Close()
	if err := s.dec.SetAudio(context.Background(), randomAudio(m, 9)); err != nil {
		t.Fatal(err)
	}
	tok := m.Tok
	stamp := func(sec float64) int { return tok.TimestampBegin() + int(sec*50) }
	texts := []string{" And so, my fellow Americans,", " ask not what your country can do for you."}
	w := pipeline.Window{Start: 30 * time.Second, Samples: pipeline.SamplesPerWindow, Remaining: 2 * pipeline.SamplesPerWindow}
	var text pipeline.WindowText
	for i, tx := range texts {
		from, to := float64(5*i), float64(5*i+5)
		toks := append(append([]int{stamp(from)}, tok.Encode(tx)...), stamp(to))
		text.Segments = append(text.Segments, job.Segment{Start: 30 + from, End: 30 + to, Text: strings.TrimSpace(tx), Tokens: toks})
	}
	if err := s.addWords(context.Background(), text, w, audioFrames(w)); err != nil {
		t.Fatal(err)
	}
	if s.dec.Len() != 0 {
		t.Errorf("the forced pass left %d tokens in the cache", s.dec.Len())
	}
	want := [][]string{{" And", " so,", " my", " fellow", " Americans,"}, {" ask", " not", " what", " your", " country", " can", " do", " for", " you."}}
	for i, seg := range text.Segments {
		var got []string
		var b strings.Builder
		prev := seg.Start
		for _, wd := range seg.Words {
			got = append(got, wd.Word)
			b.WriteString(wd.Word)
			if wd.Start < prev || wd.Start > wd.End || wd.Start < seg.Start || wd.End > seg.End {
				t.Errorf("segment %d [%v, %v]: word %q at [%v, %v]", i, seg.Start, seg.End, wd.Word, wd.Start, wd.End)
			}
			prev = wd.Start
			if !(wd.Probability > 0 && wd.Probability <= 1) {
				t.Errorf("word %q: probability %v", wd.Word, wd.Probability)
			}
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("segment %d words %q, want %q", i, got, want[i])
		}
		if strings.TrimSpace(b.String()) != seg.Text {
			t.Errorf("segment %d: words make %q, text %q", i, b.String(), seg.Text)
		}
	}
}
