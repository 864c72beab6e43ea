package job_test

import (
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestPriorityOf(t *testing.T) {
	for _, c := range []struct {
		data string
		want job.Priority
	}{
		{`{"job_id":"a","priority":"high"}`, job.PriorityHigh},
		{`{"job_id":"a","priority":"low"}`, job.PriorityLow},
		{`{"job_id":"a","priority":"normal"}`, job.PriorityNormal},
		{`{"job_id":"a","priority":""}`, job.PriorityNormal},
		{`{"job_id":"a"}`, job.PriorityNormal},
		{`{"job_id":"a","priority":"HIGH"}`, job.PriorityNormal},
		{`{"job_id":"a","priority":"urgent"}`, job.PriorityNormal},
		{`{"job_id":"a","priority":3}`, job.PriorityNormal},
		{`not json`, job.PriorityNormal},
	} {
		if got := job.PriorityOf([]byte(c.data)); got != c.want {
			t.Errorf("PriorityOf(%s) = %q, want %q", c.data, got, c.want)
		}
	}
}

func TestParseChecksPriority(t *testing.T) {
	j, err := job.Parse([]byte(`{"job_id":"a","audio":{"bucket":"b","key":"k"},"priority":"urgent"}`))
	if job.CodeOf(err) != job.CodeInvalidJob || j == nil {
		t.Fatalf("priority urgent: job %v, err %v; want invalid_job", j, err)
	}
	j, err = job.Parse([]byte(`{"job_id":"a","audio":{"bucket":"b","key":"k"},"priority":"low"}`))
	if err != nil || j.Priority != job.PriorityLow {
		t.Fatalf("priority low: job %+v, err %v", j, err)
	}
}
