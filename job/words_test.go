package job

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestWordTimestampsField(t *testing.T) {
	j, err := Parse([]byte(`{"job_id":"w1","audio":{"bucket":"a","key":"b"},"word_timestamps":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if !j.WordTimestamps {
		t.Fatal("word_timestamps: true not parsed")
	}
	out, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"word_timestamps":true`) {
		t.Errorf("marshalled job %s lacks word_timestamps", out)
	}
	j.WordTimestamps = false
	if out, _ = json.Marshal(j); strings.Contains(string(out), "word_timestamps") {
		t.Errorf("false word_timestamps not omitted: %s", out)
	}
}

func TestSegmentWordsRoundTrip(t *testing.T) {
	seg := Segment{Start: 0.32, End: 4.2, Text: "And so", Words: []Word{
		{Word: " And", Start: 0.32, End: 0.51, Probability: 0.93},
		{Word: " so", Start: 0.51, End: 4.2, Probability: 1},
	}}
	b, err := json.Marshal(seg)
	if err != nil {
		t.Fatal(err)
	}
	want := `"words":[{"word":" And","start":0.32,"end":0.51,"probability":0.93},{"word":" so","start":0.51,"end":4.2,"probability":1}]`
	if !strings.Contains(string(b), want) {
		t.Errorf("got %s, want it to contain %s", b, want)
	}
	var back Segment
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, seg) {
		t.Errorf("round trip: got %+v, want %+v", back, seg)
	}
	seg.Words = nil
	if b, _ = json.Marshal(seg); strings.Contains(string(b), "words") {
		t.Errorf("segment without words marshals them: %s", b)
	}
}
