package job

import (
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
