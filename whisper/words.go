package whisper

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/align"
)

// addWords gives the window's segments their words. The text tokens of all
// its segments go through one forced decoder pass (sot [lang]
// no_timestamps text… eot, fresh token cache), whose alignment heads'
// cross-attention align.Aligner turns into token spans; each segment's
// tokens are then split into words and punctuation is merged, as OpenAI's
// add_word_timestamps does. frames is the number of mel frames from the
// window's start to the end of the audio.
func (s *session) addWords(ctx context.Context, text pipeline.WindowText, w pipeline.Window, frames int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tok, h := s.t.m.Tok, s.t.m.H
	var textTokens []int
	for _, seg := range text.Segments {
		for _, id := range seg.Tokens {
			if id < tok.EOT() {
				textTokens = append(textTokens, id)
			}
		}
	}
	if len(textTokens) == 0 {
		return nil
	}
	sot := []int{tok.SOT()} // sot [lang]: no task token, as whisper.cpp
	if lang, ok := tok.LanguageToken(s.lang); ok && tok.Multilingual() {
		sot = append(sot, lang)
	}
	seq := append(append(append(sot, tok.NoTimestamps()), textTokens...), tok.EOT())
	if len(seq) > h.NTextCtx || len(textTokens)+1 > align.MaxTokens {
		return fmt.Errorf("whisper: word timestamps: %d tokens exceed the text context", len(seq))
	}
	pass, err := s.dec.Align(seq, len(sot)+1, s.heads)
	s.dec.Reset()
	if err != nil {
		return fmt.Errorf("whisper: word timestamps: %w", err)
	}
	// whisper.cpp: n_frames = min(3000, seek_delta, seek_end − seek).
	melFrames := min(3000, frames)
	if text.Consumed > 0 {
		melFrames = min(melFrames, int(text.Consumed/(10*time.Millisecond)))
	}
	melFrames = min(max(melFrames, 2), 2*h.NAudioCtx)
	al, err := s.aligner.Align(pass.Weights, len(sot), melFrames)
	if err != nil {
		return fmt.Errorf("whisper: word timestamps: %w", err)
	}
	starts, ends := al.Spans(0)
	base := w.Start.Seconds()
	k := 0
	for i := range text.Segments {
		seg := &text.Segments[i]
		var toks []align.Token
		for _, id := range seg.Tokens {
			if id >= tok.EOT() {
				continue
			}
			toks = append(toks, align.Token{ID: id, Text: tok.DecodeBytes([]int{id}), Prob: pass.Probs[k], Start: starts[k], End: ends[k]})
			k++
		}
		words, err := align.Words(toks, s.lang)
		if err != nil {
			return fmt.Errorf("whisper: word timestamps: %w", err)
		}
		words = align.MergePunctuations(words, align.DefaultPrepended, align.DefaultAppended)
		seg.Words = segmentWords(words, seg, base)
	}
	return nil
}

// segmentWords converts a segment's aligned words (times in centiseconds
// from the window's start at base seconds) to job words within the
// segment's bounds. Words keep their leading space, as OpenAI's do.
func segmentWords(words []align.Word, seg *job.Segment, base float64) []job.Word {
	out := make([]job.Word, 0, len(words))
	for _, wd := range words {
		text := wd.Text
		if text == "" {
			continue
		}
		start := min(max(round3(base+float64(wd.Start)/100), seg.Start), seg.End)
		end := min(max(round3(base+float64(wd.End)/100), start), seg.End)
		p := float64(wd.Prob)
		if math.IsNaN(p) || p <= 0 {
			p = math.SmallestNonzeroFloat32 // underflowed in float32
		}
		out = append(out, job.Word{Word: text, Start: start, End: end, Probability: min(p, 1)})
	}
	return out
}
