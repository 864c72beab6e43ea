package job

import (
	"encoding/json"
	"testing"
)

func TestDecodingBounds(t *testing.T) {
	const pre = `{"job_id":"j1","audio":{"bucket":"a","key":"b"},"decoding":`
	cases := []struct {
		decoding string
		valid    bool
	}{
		{`{"beam_size":5,"best_of":5,"temperature":0.0,"fallback":true}`, true},
		{`{}`, true},
		{`{"beam_size":1,"best_of":16,"temperature":1,"fallback":false,"patience":4,"length_penalty":1,"condition_on_previous_text":false}`, true},
		{`{"length_penalty":0,"patience":0.5}`, true},
		{`{"rules":"whisper.cpp"}`, true},
		{`{"rules":"openai"}`, true},
		{`{"rules":"OpenAI"}`, false},
		{`{"rules":"greedy"}`, false},
		{`{"beam_size":0}`, false},
		{`{"beam_size":17}`, false},
		{`{"best_of":0}`, false},
		{`{"best_of":17}`, false},
		{`{"temperature":-0.1}`, false},
		{`{"temperature":1.2}`, false},
		{`{"patience":0}`, false},
		{`{"patience":4.5}`, false},
		{`{"length_penalty":-1}`, false},
		{`{"length_penalty":1.5}`, false},
		{`{"beam_size":2.5}`, false}, // not an integer: a JSON error
		{`{"fallback":"yes"}`, false},
		{`[]`, false},
	}
	for _, c := range cases {
		t.Run(c.decoding, func(t *testing.T) {
			j, err := Parse([]byte(pre + c.decoding + `}`))
			if j == nil {
				t.Fatalf("not a job: %v", err)
			}
			if c.valid {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if CodeOf(err) != CodeInvalidJob {
				t.Fatalf("got %v, want invalid_job", err)
			}
		})
	}
}

func TestDecodingRoundTrip(t *testing.T) {
	in := `{"beam_size":3,"best_of":2,"temperature":0,"fallback":false,"patience":1.5,"length_penalty":0,"condition_on_previous_text":false}`
	var d Decoding
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	// Explicit zeros and falses survive: they differ from "absent".
	if d.Temperature == nil || *d.Temperature != 0 || d.Fallback == nil || *d.Fallback || d.LengthPenalty == nil || d.ConditionOnPreviousText == nil || *d.ConditionOnPreviousText {
		t.Fatalf("decoded %+v", d)
	}
	out, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip:\n got %s\nwant %s", out, in)
	}
	if err := (*Decoding)(nil).Validate(); err != nil {
		t.Fatalf("nil decoding: %v", err)
	}
}

func TestSegmentVerboseFields(t *testing.T) {
	s := Segment{Start: 0, End: 1, Text: "hi", Tokens: []int{50364, 2421, 50414}, AvgLogprob: -0.25, NoSpeechProb: 0.01, CompressionRatio: 0.8, Temperature: 0.2}
	out, _ := json.Marshal(s)
	want := `{"start":0,"end":1,"text":"hi","tokens":[50364,2421,50414],"avg_logprob":-0.25,"no_speech_prob":0.01,"compression_ratio":0.8,"temperature":0.2}`
	if string(out) != want {
		t.Fatalf("got %s\nwant %s", out, want)
	}
	out, _ = json.Marshal(Segment{Start: 0, End: 1, Text: "hi"})
	if string(out) != `{"start":0,"end":1,"text":"hi"}` {
		t.Fatalf("plain segment grew: %s", out)
	}
}
