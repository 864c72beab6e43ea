package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
)

// contentTypes of the transcript formats a job may ask for.
var contentTypes = map[string]string{
	"json": "application/json",
	"txt":  "text/plain; charset=utf-8",
	"srt":  "application/x-subrip; charset=utf-8",
	"vtt":  "text/vtt; charset=utf-8",

	"verbose_json": "application/json",
	"tsv":          "text/tab-separated-values; charset=utf-8",
}

// writeOutputs writes the transcript in each requested format (json when
// none is named) to <bucket>/<prefix>.<ext> and returns the keys written.
func (w *Worker) writeOutputs(ctx context.Context, j *job.Job, res *job.Result) ([]string, error) {
	formats := j.Output.Formats
	if len(formats) == 0 {
		formats = []string{"json"}
	}
	prefix := j.Output.Prefix
	if prefix == "" {
		prefix = j.ID
	}
	var keys []string
	for _, f := range formats {
		body, err := render(f, j.Task, res, j.Output.MaxLineWidth)
		if err != nil {
			return nil, job.WithCode(job.CodeInternal, err)
		}
		key := prefix + "." + extension(f)
		// The mark tells the uploads loop this file is a transcript, not an
		// upload to transcribe (when the output bucket notifies too).
		mark := storage.WithMetadata(map[string]string{queue.MetaOutputOf: j.ID})
		if err := w.store.Put(ctx, j.Output.Bucket, key, bytes.NewReader(body), int64(len(body)), contentTypes[f], mark); err != nil {
			return nil, fmt.Errorf("write %s/%s: %w", j.Output.Bucket, key, err)
		}
		keys = append(keys, j.Output.Bucket+"/"+key)
	}
	return keys, nil
}

// render formats a succeeded result of a job with task as json,
// verbose_json, txt, srt, vtt or tsv.
// maxLine splits srt and vtt cues at word boundaries (see
// job.Output.MaxLineWidth; 0: one cue per segment).
func render(format, task string, res *job.Result, maxLine int) ([]byte, error) {
	var b strings.Builder
	switch format {
	case "json":
		r := *res
		r.Status = job.StatusSucceeded
		return json.MarshalIndent(r, "", "  ")
	case "verbose_json":
		return json.MarshalIndent(verbose(task, res), "", "  ")
	case "tsv":
		// As whisper.cpp's -otsv and OpenAI's tsv writer: integer
		// milliseconds, tabs in the text replaced.
		b.WriteString("start\tend\ttext\n")
		for _, s := range res.Segments {
			text := strings.ReplaceAll(strings.TrimSpace(s.Text), "\t", " ")
			fmt.Fprintf(&b, "%d\t%d\t%s\n", int64(s.Start*1000+0.5), int64(s.End*1000+0.5), text)
		}
	case "txt":
		b.WriteString(strings.TrimSpace(res.Text))
		b.WriteString("\n")
	case "srt":
		for i, c := range cues(res.Segments, maxLine) {
			fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, stamp(c.Start, ","), stamp(c.End, ","), strings.TrimSpace(c.Text))
		}
	case "vtt":
		b.WriteString("WEBVTT\n\n")
		for _, c := range cues(res.Segments, maxLine) {
			fmt.Fprintf(&b, "%s --> %s\n%s\n\n", stamp(c.Start, "."), stamp(c.End, "."), strings.TrimSpace(c.Text))
		}
	default:
		return nil, fmt.Errorf("unknown output format %q", format)
	}
	return []byte(b.String()), nil
}

// cue is one subtitle: a span of time and its text.
type cue struct {
	Start, End float64
	Text       string
}

// cues are the subtitles of segments: one per segment, or, with maxLine >
// 0 and a segment that has words, the segment's words packed in order into
// cues whose trimmed text is at most maxLine characters (a longer word
// alone), each cue timed from its first word's start to its last's end.
func cues(segs []job.Segment, maxLine int) []cue {
	var out []cue
	for _, s := range segs {
		if maxLine <= 0 || len(s.Words) == 0 || utf8.RuneCountInString(strings.TrimSpace(s.Text)) <= maxLine {
			out = append(out, cue{s.Start, s.End, s.Text})
			continue
		}
		cur := cue{Start: s.Words[0].Start}
		for _, w := range s.Words {
			joined := cur.Text + w.Word
			if cur.Text != "" && utf8.RuneCountInString(strings.TrimSpace(joined)) > maxLine {
				out = append(out, cur)
				cur = cue{Start: w.Start, Text: w.Word, End: w.End}
				continue
			}
			cur.Text, cur.End = joined, w.End
		}
		out = append(out, cur)
	}
	return out
}

// extension is the file name extension of an output format: the format's
// name, except verbose_json, which is JSON too.
func extension(format string) string {
	if format == "verbose_json" {
		return "verbose.json"
	}
	return format
}

// verboseJSON is OpenAI's verbose_json transcription document.
type verboseJSON struct {
	Task     string           `json:"task"`
	Language string           `json:"language"` // English name, lower case ("english")
	Duration float64          `json:"duration"`
	Text     string           `json:"text"`
	Segments []verboseSegment `json:"segments"`
}

// verboseSegment is one segment of verbose_json. Seek is the segment's
// start in 10 ms frames (OpenAI gives the frame its window began at; the
// worker does not keep that per segment).
type verboseSegment struct {
	ID               int     `json:"id"`
	Seek             int     `json:"seek"`
	Start            float64 `json:"start"`
	End              float64 `json:"end"`
	Text             string  `json:"text"`
	Tokens           []int   `json:"tokens"`
	Temperature      float64 `json:"temperature"`
	AvgLogprob       float64 `json:"avg_logprob"`
	CompressionRatio float64 `json:"compression_ratio"`
	NoSpeechProb     float64 `json:"no_speech_prob"`
	// Words, when the job asked for word_timestamps, as OpenAI's
	// verbose_json gives them.
	Words []job.Word `json:"words,omitempty"`
}

// verbose converts a result to verbose_json.
func verbose(task string, res *job.Result) verboseJSON {
	v := verboseJSON{Task: job.TaskTranscribe, Language: res.Language, Duration: res.DurationS, Text: res.Text, Segments: []verboseSegment{}}
	if task != "" {
		v.Task = task
	}
	for _, l := range tokenizer.Languages() {
		if l.Code == res.Language {
			v.Language = l.Name
		}
	}
	for i, s := range res.Segments {
		tokens := s.Tokens
		if tokens == nil {
			tokens = []int{}
		}
		v.Segments = append(v.Segments, verboseSegment{
			ID: i, Seek: int(s.Start * 100), Start: s.Start, End: s.End, Text: s.Text, Tokens: tokens,
			Temperature: s.Temperature, AvgLogprob: s.AvgLogprob, CompressionRatio: s.CompressionRatio, NoSpeechProb: s.NoSpeechProb,
			Words: s.Words,
		})
	}
	return v
}

// stamp formats seconds as HH:MM:SS<sep>mmm.
func stamp(sec float64, sep string) string {
	ms := int64(sec*1000 + 0.5)
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}
