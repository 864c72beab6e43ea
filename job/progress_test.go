package job

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseProgress(t *testing.T) {
	good := Progress{JobID: "call-1", Stage: StageTranscribe, WindowsDone: 1, WindowsTotal: 3, AudioDoneS: 30, DurationS: 75, Worker: "w1"}
	data, _ := json.Marshal(good)
	p, err := ParseProgress(data, "call-1")
	if err != nil || *p != good {
		t.Fatalf("ParseProgress = %+v, %v", p, err)
	}
	if f := p.Fraction(); f != 0.4 {
		t.Fatalf("Fraction = %v, want 0.4", f)
	}
	for name, raw := range map[string]string{
		"other job":    `{"job_id":"call-2","stage":"fetch"}`,
		"no stage":     `{"job_id":"call-1"}`,
		"bad stage":    `{"job_id":"call-1","stage":"mining"}`,
		"windows":      `{"job_id":"call-1","stage":"transcribe","windows_done":4,"windows_total":3}`,
		"negative":     `{"job_id":"call-1","stage":"transcribe","audio_done_s":-1}`,
		"not json":     `{"job_id":`,
		"huge":         `{"job_id":"call-1","stage":"fetch","worker":"` + string(make([]byte, MaxProgressBytes)) + `"}`,
		"long worker":  `{"job_id":"call-1","stage":"fetch","worker":"` + string(make([]byte, 65)) + `"}`,
		"number range": `{"job_id":"call-1","stage":"fetch","duration_s":1e999}`,
	} {
		if p, err := ParseProgress([]byte(raw), "call-1"); !errors.Is(err, ErrBadProgress) || p != nil {
			t.Errorf("%s: ParseProgress = %+v, %v; want ErrBadProgress", name, p, err)
		}
	}
}

func TestProgressFraction(t *testing.T) {
	for _, c := range []struct {
		p    Progress
		want float64
	}{
		{Progress{}, 0},
		{Progress{AudioDoneS: 10, DurationS: 0}, 0},
		{Progress{AudioDoneS: 40, DurationS: 30}, 1},
		{Progress{AudioDoneS: 15, DurationS: 30}, 0.5},
	} {
		if got := c.p.Fraction(); got != c.want {
			t.Errorf("%+v: Fraction = %v, want %v", c.p, got, c.want)
		}
	}
}

func FuzzParseProgress(f *testing.F) {
	f.Add([]byte(`{"job_id":"call-1","stage":"transcribe","windows_done":1,"windows_total":3,"audio_done_s":30,"duration_s":75}`), "call-1")
	f.Add([]byte(`{"job_id":"call-1","stage":"fetch"}`), "call-1")
	f.Add([]byte(`{"job_id":"a","stage":"vad","duration_s":-0}`), "a")
	f.Add([]byte(`[]`), "x")
	f.Fuzz(func(t *testing.T, data []byte, id string) {
		p, err := ParseProgress(data, id)
		if err != nil {
			if p != nil || !errors.Is(err, ErrBadProgress) {
				t.Fatalf("ParseProgress = %+v, %v", p, err)
			}
			return
		}
		if p.JobID != id || !stages[p.Stage] || p.WindowsDone > p.WindowsTotal || !seconds(p.AudioDoneS) || !seconds(p.DurationS) {
			t.Fatalf("accepted %+v", p)
		}
		if f := p.Fraction(); f < 0 || f > 1 {
			t.Fatalf("Fraction %v", f)
		}
	})
}
