package transcript

import (
	"encoding/json"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// LiftWords gives OpenAI's API shape: words at the top level with word,
// start and end only; segments without words.
func TestVerboseLiftWords(t *testing.T) {
	res := &job.Result{Text: " a b c", Segments: []job.Segment{
		{Start: 0, End: 1, Text: " a b", Words: []job.Word{{Word: " a", Start: 0, End: 0.5, Probability: 0.9}, {Word: " b", Start: 0.5, End: 1}}},
		{Start: 1, End: 2, Text: " c", Words: []job.Word{{Word: " c", Start: 1, End: 2}}},
	}}
	v := NewVerbose("", res)
	v.LiftWords()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Task     string           `json:"task"`
		Words    []map[string]any `json:"words"`
		Segments []map[string]any `json:"segments"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Task != "transcribe" || len(got.Words) != 3 || got.Words[2]["word"] != " c" || got.Words[1]["start"] != 0.5 {
		t.Fatalf("%s", b)
	}
	if _, ok := got.Words[0]["probability"]; ok {
		t.Fatalf("API words carry only word, start, end: %s", b)
	}
	for _, s := range got.Segments {
		if _, ok := s["words"]; ok {
			t.Fatalf("segments keep words: %s", b)
		}
	}

	empty := NewVerbose("translate", &job.Result{})
	empty.LiftWords()
	if b, _ := json.Marshal(empty); !json.Valid(b) || string(b) != `{"task":"translate","language":"","duration":0,"text":"","segments":[],"words":[]}` {
		t.Fatalf("no words: %s", b)
	}
	if b, _ := json.Marshal(NewVerbose("", &job.Result{})); string(b) != `{"task":"transcribe","language":"","duration":0,"text":"","segments":[]}` {
		t.Fatalf("without LiftWords: %s", b)
	}
}
