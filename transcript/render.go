package transcript

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xdna-worker/xdna-worker/job"
)

// ErrUnknownFormat is returned by Render for a format it does not know.
var ErrUnknownFormat = errors.New("transcript: unknown format")

// contentTypes of the formats Render knows.
var contentTypes = map[string]string{
	"json": "application/json",
	"txt":  "text/plain; charset=utf-8",
	"srt":  "application/x-subrip; charset=utf-8",
	"vtt":  "text/vtt; charset=utf-8",

	"verbose_json": "application/json",
	"tsv":          "text/tab-separated-values; charset=utf-8",
}

// ContentType is the media type of a format ("" for one Render does not
// know).
func ContentType(format string) string { return contentTypes[format] }

// Extension is the file name extension of a format: the format's name,
// except verbose_json, which is JSON too.
func Extension(format string) string {
	if format == "verbose_json" {
		return "verbose.json"
	}
	return format
}

// Render formats a succeeded result of a job with task as json (the
// result itself), verbose_json, txt, srt, vtt or tsv. maxLine splits srt
// and vtt cues at word boundaries (see job.Output.MaxLineWidth; 0: one cue
// per segment).
func Render(format, task string, res *job.Result, maxLine int) ([]byte, error) {
	var b strings.Builder
	switch format {
	case "json":
		r := *res
		r.Status = job.StatusSucceeded
		return json.MarshalIndent(r, "", "  ")
	case "verbose_json":
		return json.MarshalIndent(NewVerbose(task, res), "", "  ")
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
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, format)
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

// stamp formats seconds as HH:MM:SS<sep>mmm.
func stamp(sec float64, sep string) string {
	ms := int64(sec*1000 + 0.5)
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}
