package transcript

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// verbose_json is OpenAI's document (the fields its SDKs read), tsv is
// whisper.cpp's -otsv (issue 9, item 6).
func TestRenderVerboseJSONAndTSV(t *testing.T) {
	res := &job.Result{
		JobID: "a", Status: job.StatusSucceeded, Language: "de", DurationS: 3.5, Text: "Hallo Welt. Zwei",
		Segments: []job.Segment{
			{Start: 0, End: 1.25, Text: " Hallo Welt.", Tokens: []int{50364, 1, 2, 50426}, AvgLogprob: -0.25, NoSpeechProb: 0.01, CompressionRatio: 0.9,
				Words: []job.Word{{Word: " Hallo", Start: 0, End: 0.5, Probability: 0.9}, {Word: " Welt.", Start: 0.5, End: 1.25, Probability: 0.75}}},
			{Start: 1.25, End: 3.5, Text: " Zwei\tdrei", Temperature: 0.2},
		},
	}
	body, err := Render("verbose_json", "translate", res, 0)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if v["task"] != "translate" || v["language"] != "german" || v["duration"] != 3.5 || v["text"] != res.Text {
		t.Fatalf("verbose_json header: %s", body)
	}
	segs := v["segments"].([]any)
	if len(segs) != 2 {
		t.Fatalf("%s", body)
	}
	s0 := segs[0].(map[string]any)
	for _, k := range []string{"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob", "compression_ratio", "no_speech_prob"} {
		if _, ok := s0[k]; !ok {
			t.Fatalf("segment lacks %q: %s", k, body)
		}
	}
	if s0["avg_logprob"] != -0.25 || len(s0["tokens"].([]any)) != 4 || segs[1].(map[string]any)["temperature"] != 0.2 || segs[1].(map[string]any)["seek"] != 125.0 {
		t.Fatalf("%s", body)
	}
	// Words as OpenAI's verbose_json has them, only where there are any.
	if w := s0["words"].([]any); len(w) != 2 || w[1].(map[string]any)["word"] != " Welt." || w[1].(map[string]any)["probability"] != 0.75 {
		t.Fatalf("words %v", w)
	}
	if _, ok := segs[1].(map[string]any)["words"]; ok {
		t.Fatalf("a segment without words has them: %s", body)
	}
	if tokens := segs[1].(map[string]any)["tokens"].([]any); len(tokens) != 0 {
		t.Fatalf("tokens %v", tokens)
	}

	tsv, err := Render("tsv", "", res, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "start\tend\ttext\n0\t1250\tHallo Welt.\n1250\t3500\tZwei drei\n"; string(tsv) != want {
		t.Fatalf("tsv %q, want %q", tsv, want)
	}
	if Extension("verbose_json") != "verbose.json" || Extension("tsv") != "tsv" {
		t.Fatal("extensions")
	}
	if !strings.Contains(ContentType("tsv"), "tab-separated") || ContentType("verbose_json") != "application/json" {
		t.Fatal("content types")
	}
}

// srt and vtt split long segments at word boundaries with max_line_width
// (issue 9, item 6); without words or a width, one cue per segment.
func TestRenderSplitsCuesAtWords(t *testing.T) {
	res := &job.Result{Segments: []job.Segment{
		{Start: 0, End: 4, Text: " The quick brown fox jumps over the dog.", Words: []job.Word{
			{Word: " The", Start: 0, End: 0.3}, {Word: " quick", Start: 0.3, End: 0.8}, {Word: " brown", Start: 0.8, End: 1.2},
			{Word: " fox", Start: 1.2, End: 1.5}, {Word: " jumps", Start: 1.6, End: 2.1}, {Word: " over", Start: 2.1, End: 2.5},
			{Word: " the", Start: 2.5, End: 2.7}, {Word: " dog.", Start: 2.7, End: 3.9}}},
		{Start: 4, End: 5, Text: " Short."},
	}}
	srt, err := Render("srt", "", res, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := "1\n00:00:00,000 --> 00:00:01,200\nThe quick brown\n\n" +
		"2\n00:00:01,200 --> 00:00:02,500\nfox jumps over\n\n" +
		"3\n00:00:02,500 --> 00:00:03,900\nthe dog.\n\n" +
		"4\n00:00:04,000 --> 00:00:05,000\nShort.\n\n"
	if string(srt) != want {
		t.Fatalf("srt:\n%s\nwant:\n%s", srt, want)
	}
	vtt, _ := Render("vtt", "", res, 16)
	if !strings.Contains(string(vtt), "00:00:01.200 --> 00:00:02.500\nfox jumps over\n") {
		t.Fatalf("vtt:\n%s", vtt)
	}
	whole, _ := Render("srt", "", res, 0)
	if strings.Count(string(whole), " --> ") != 2 {
		t.Fatalf("without a width: %s", whole)
	}
	noWords := &job.Result{Segments: []job.Segment{{Start: 0, End: 4, Text: res.Segments[0].Text}}}
	if s, _ := Render("srt", "", noWords, 5); strings.Count(string(s), " --> ") != 1 {
		t.Fatalf("without words: %s", s)
	}
}
