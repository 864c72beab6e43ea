package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how Missing ended it.
type recorder struct {
	testing.TB
	how, msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.how, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.how, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// missing runs Missing on a recorder and says how it ended the test.
func missing(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Missing(r, "fixture %s not found", "x.bin")
		r.how = "returned"
	}()
	<-done
	return r
}

// A missing fixture skips on a developer's machine and fails under CI.
func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		ci, want string
	}{
		{"", "skip"}, {"false", "skip"}, {"0", "skip"},
		{"true", "fatal"}, {"1", "fatal"}, {"yes", "fatal"},
	} {
		t.Setenv("CI", tc.ci)
		r := missing(t)
		if r.how != tc.want || !strings.Contains(r.msg, "fixture x.bin not found") {
			t.Errorf("CI=%q: %s %q, want %s", tc.ci, r.how, r.msg, tc.want)
		}
		if CI() != (tc.want == "fatal") {
			t.Errorf("CI=%q: CI() = %v", tc.ci, CI())
		}
	}
}
