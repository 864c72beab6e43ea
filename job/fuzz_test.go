package job

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse feeds job.Parse arbitrary bytes (item 18 of issue 8). The seed
// corpus in testdata/fuzz/FuzzParse runs with every `go test`; `make fuzz`
// runs a campaign. Parse must never panic, and what it returns must keep the
// contract the worker relies on.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"job_id":"call-0001","audio":{"bucket":"audio","key":"2026/11/call-0001.mp3"}}`))
	f.Add([]byte(`{"job_id":"a..b","audio":{"bucket":"a","key":"b"}}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := Parse(data)
		if errors.Is(err, ErrNotAJob) {
			if j != nil {
				t.Fatalf("not a job, yet a job: %+v", j)
			}
			return
		}
		if j == nil {
			t.Fatalf("no job and not ErrNotAJob: %v", err)
		}
		if !ValidID(j.ID) {
			t.Fatalf("job with an invalid id %q", j.ID)
		}
		if len(j.Metadata) > MaxMetadataBytes {
			t.Fatalf("metadata of %d bytes would be echoed", len(j.Metadata))
		}
		if err != nil {
			if c := CodeOf(err); c != CodeInvalidJob && c != CodeUnsupportedFormat {
				t.Fatalf("code %s for a bad job: %v", c, err)
			}
			if len(err.Error()) > 512 {
				t.Fatalf("error of %d bytes (echoes the input?): %.200s", len(err.Error()), err)
			}
			return
		}
		if len(j.Prompt) > MaxPromptBytes || j.Validate() != nil {
			t.Fatalf("Parse accepted a job Validate refuses: %v", j.Validate())
		}
		// What a publisher re-encodes parses back to the same job.
		again, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		j2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-encoded job does not parse: %v", err)
		}
		// Compared as encoded: an empty list and an absent one (omitempty)
		// are the same job.
		again2, err := json.Marshal(j2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, again2) {
			t.Fatalf("round trip changed the job:\n%s\n%s", again, again2)
		}
	})
}

// FuzzPriorityOf feeds job.PriorityOf arbitrary bytes: the router reads
// every message on the jobs subject with it before anything else does. It
// must never panic, and must always name one of the three priorities.
func FuzzPriorityOf(f *testing.F) {
	f.Add([]byte(`{"job_id":"a","priority":"high"}`))
	f.Add([]byte(`{"priority":"low","priority":"urgent"}`))
	f.Add([]byte(`{"priority":1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := PriorityOf(data)
		if p != PriorityHigh && p != PriorityNormal && p != PriorityLow {
			t.Fatalf("PriorityOf(%q) = %q", data, p)
		}
		// A job Parse accepts is routed by the priority it validated.
		if j, err := Parse(data); err == nil && j.Priority.OrNormal() != p {
			t.Fatalf("Parse says priority %q, PriorityOf %q", j.Priority, p)
		}
	})
}
