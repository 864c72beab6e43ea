package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		notAJob bool
		code    Code // for invalid jobs; "" means valid
	}{
		{"valid", `{"job_id":"call-0001","audio":{"bucket":"audio","key":"a.wav"},"language":"en","task":"transcribe","metadata":{"tenant":"acme"}}`, false, ""},
		{"not json", `{"job_id":`, true, ""},
		{"no id", `{"audio":{"bucket":"a","key":"b"}}`, true, ""},
		{"numeric id", `{"job_id":42}`, true, ""},
		{"bad id chars", `{"job_id":"a/b c"}`, true, ""},
		{"id too long", `{"job_id":"` + strings.Repeat("x", 129) + `"}`, true, ""},
		{"no audio", `{"job_id":"j1"}`, false, CodeInvalidJob},
		{"audio wrong type", `{"job_id":"j1","audio":"s3://a/b"}`, false, CodeInvalidJob},
		{"bad task", `{"job_id":"j1","audio":{"bucket":"a","key":"b"},"task":"sing"}`, false, CodeInvalidJob},
		{"big metadata", `{"job_id":"j1","audio":{"bucket":"a","key":"b"},"metadata":{"x":"` + strings.Repeat("y", 5000) + `"}}`, false, CodeInvalidJob},
		{"output without bucket", `{"job_id":"j1","audio":{"bucket":"a","key":"b"},"output":{"prefix":"p"}}`, false, CodeInvalidJob},
		{"bad output format", `{"job_id":"j1","audio":{"bucket":"a","key":"b"},"output":{"bucket":"t","formats":["docx"]}}`, false, CodeUnsupportedFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := Parse([]byte(c.in))
			if c.notAJob {
				if j != nil || !errors.Is(err, ErrNotAJob) {
					t.Fatalf("got %+v, %v; want ErrNotAJob", j, err)
				}
				return
			}
			if j == nil || j.ID == "" {
				t.Fatalf("no job id recovered: %v", err)
			}
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if CodeOf(err) != c.code {
				t.Fatalf("code %s (%v), want %s", CodeOf(err), err, c.code)
			}
		})
	}
}

func TestErrorCodes(t *testing.T) {
	base := Errorf(CodeAudioDecode, "bad header")
	wrapped := fmt.Errorf("job x: %w", base)
	if CodeOf(wrapped) != CodeAudioDecode || IsTransient(wrapped) {
		t.Fatal(wrapped)
	}
	tr := Transient(errors.New("connection refused"))
	if !IsTransient(fmt.Errorf("fetch: %w", tr)) || CodeOf(tr) != CodeInternal {
		t.Fatal(tr)
	}
	if WithCode(CodeTimeout, nil) != nil || Transient(nil) != nil {
		t.Fatal("nil not preserved")
	}
}

// Item 10 of issue 8: a job_id is 1-128 characters, one or more non-empty
// tokens of [A-Za-z0-9_-] joined by single dots (it becomes a subject
// token). Anything else is not a job.
func TestJobIDGrammar(t *testing.T) {
	for _, id := range []string{"a", "call-0001", "a.b", "lt.ab12.000001", "A_b-C.d", strings.Repeat("x", 128), strings.Repeat("a.", 63) + "ab"} {
		if !ValidID(id) {
			t.Errorf("ValidID(%q) = false", id)
		}
		if j, err := Parse([]byte(`{"job_id":"` + id + `","audio":{"bucket":"a","key":"b"}}`)); err != nil || j.ID != id {
			t.Errorf("Parse with id %q = %v, %v", id, j, err)
		}
	}
	for _, id := range []string{"", ".", "a.", ".a", "a..b", "a.b.", "..", "a b", "a/b", "a*", "a>", "é", "a\x00", strings.Repeat("x", 129), strings.Repeat("a.", 64) + "a"} {
		if ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
		data, _ := json.Marshal(map[string]any{"job_id": id, "audio": map[string]string{"bucket": "a", "key": "b"}})
		if j, err := Parse(data); j != nil || !errors.Is(err, ErrNotAJob) {
			t.Errorf("Parse with id %q = %+v, %v; want ErrNotAJob", id, j, err)
		}
	}
}

// Item 7 of issue 8: a prompt longer than 1 KiB makes the job invalid_job.
func TestPromptCap(t *testing.T) {
	mk := func(n int) []byte {
		data, _ := json.Marshal(map[string]any{"job_id": "p1", "audio": map[string]string{"bucket": "a", "key": "b"}, "prompt": strings.Repeat("p", n)})
		return data
	}
	if _, err := Parse(mk(MaxPromptBytes)); err != nil {
		t.Fatalf("a prompt of exactly %d bytes: %v", MaxPromptBytes, err)
	}
	j, err := Parse(mk(MaxPromptBytes + 1))
	if j == nil || CodeOf(err) != CodeInvalidJob {
		t.Fatalf("a prompt of %d bytes: %v; want invalid_job", MaxPromptBytes+1, err)
	}
	if j, err = Parse(mk(64 << 10)); j == nil || CodeOf(err) != CodeInvalidJob || strings.Contains(err.Error(), "ppppppppp") {
		t.Fatalf("a 64 KiB prompt: %v", err)
	}
}

// Issue 11 item 6: a job's model name is at most 64 bytes; a longer one
// makes the job invalid_job without echoing it whole.
func TestModelNameCap(t *testing.T) {
	mk := func(name string) []byte {
		data, _ := json.Marshal(map[string]any{"job_id": "m1", "audio": map[string]string{"bucket": "a", "key": "b"}, "model": name})
		return data
	}
	j, err := Parse(mk(strings.Repeat("m", MaxModelBytes)))
	if err != nil || j.Model != strings.Repeat("m", MaxModelBytes) {
		t.Fatalf("a model name of exactly %d bytes: %v", MaxModelBytes, err)
	}
	j, err = Parse(mk(strings.Repeat("m", MaxModelBytes+1)))
	if j == nil || CodeOf(err) != CodeInvalidJob || strings.Contains(err.Error(), strings.Repeat("m", MaxModelBytes)) {
		t.Fatalf("a model name of %d bytes: %v; want invalid_job without the name", MaxModelBytes+1, err)
	}
	if j, err = Parse(mk("")); err != nil || j.Model != "" {
		t.Fatalf("no model: %+v, %v", j, err)
	}
}

// Item 10 of issue 8: metadata over 4 KiB makes the job invalid and is
// never echoed: Parse drops it before anything can put it in a result.
func TestOversizedMetadataIsNotEchoed(t *testing.T) {
	big := `{"x":"` + strings.Repeat("y", MaxMetadataBytes) + `"}`
	j, err := Parse([]byte(`{"job_id":"m1","audio":{"bucket":"a","key":"b"},"metadata":` + big + `}`))
	if j == nil || CodeOf(err) != CodeInvalidJob {
		t.Fatalf("got %+v, %v; want the job and invalid_job", j, err)
	}
	if j.Metadata != nil {
		t.Fatalf("oversized metadata kept (%d bytes): it would be echoed into the failed result", len(j.Metadata))
	}
	if strings.Contains(err.Error(), "yyyyyyyy") {
		t.Fatal("the error echoes the metadata")
	}
	// Metadata of exactly the limit is kept and echoed.
	ok := `{"x":"` + strings.Repeat("y", MaxMetadataBytes-8) + `"}`
	j, err = Parse([]byte(`{"job_id":"m2","audio":{"bucket":"a","key":"b"},"metadata":` + ok + `}`))
	if err != nil || string(j.Metadata) != ok {
		t.Fatalf("metadata of %d bytes: %v", len(ok), err)
	}
	// A job that fails validation for another reason keeps its (small)
	// metadata, so the failed result can carry it back.
	j, err = Parse([]byte(`{"job_id":"m3","metadata":{"tenant":"acme"}}`))
	if CodeOf(err) != CodeInvalidJob || string(j.Metadata) != `{"tenant":"acme"}` {
		t.Fatalf("got %+v, %v", j, err)
	}
}

// output.max_line_width is bounded (issue 9, item 6).
func TestMaxLineWidthBounds(t *testing.T) {
	for w, ok := range map[int]bool{0: true, 42: true, MaxLineWidth: true, -1: false, MaxLineWidth + 1: false} {
		j := &Job{ID: "a", Audio: ObjectRef{Bucket: "b", Key: "k"}, Output: &Output{Bucket: "o", MaxLineWidth: w}}
		if err := j.Validate(); (err == nil) != ok {
			t.Errorf("max_line_width %d: %v", w, err)
		}
	}
}
