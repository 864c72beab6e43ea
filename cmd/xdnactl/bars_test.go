package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

func TestBarRender(t *testing.T) {
	got := render(line{name: "call.wav", p: job.Progress{JobID: "j1", Stage: job.StageTranscribe, WindowsDone: 1, WindowsTotal: 4, AudioDoneS: 30, DurationS: 120}})
	want := "call.wav [######------------------]  25% transcribe window 1/4 30.0/120.0 s"
	if got != want {
		t.Fatalf("render:\n got %q\nwant %q", got, want)
	}
	if got := render(line{p: job.Progress{JobID: "j1", Stage: job.StageFetch}}); got != "j1 [------------------------]   0% fetch" {
		t.Fatalf("render before decoding: %q", got)
	}
}

// Not a terminal: a line per event, messages as they come, nothing for
// jobs not asked for or already done.
func TestBarsLines(t *testing.T) {
	var out bytes.Buffer
	b := newBars(&out, false)
	b.labelledOnly = true
	b.Label("j1", "a.wav")
	b.Update(&job.Progress{JobID: "j2", Stage: job.StageFetch}) // not ours
	b.Update(&job.Progress{JobID: "j1", Stage: job.StageFetch})
	b.Update(&job.Progress{JobID: "j1", Stage: job.StageTranscribe, WindowsDone: 1, WindowsTotal: 2, AudioDoneS: 30, DurationS: 60})
	b.Done("j1", "a.wav: done")
	b.Update(&job.Progress{JobID: "j1", Stage: job.StageTranscribe, WindowsDone: 2, WindowsTotal: 2, AudioDoneS: 60, DurationS: 60}) // late
	want := "a.wav [------------------------]   0% fetch\n" +
		"a.wav [############------------]  50% transcribe window 1/2 30.0/60.0 s\n" +
		"a.wav: done\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	// Nothing of a finished job is kept but its id, and those are bounded.
	if _, kept := b.last["j1"]; kept {
		t.Fatal("a finished job's bar state is kept")
	}
	for i := range 2 * maxDone {
		b.Done(fmt.Sprint("x", i), "")
	}
	if len(b.done) > maxDone || len(b.last) != 0 {
		t.Fatalf("after %d jobs: %d done ids, %d bars kept", 2*maxDone, len(b.done), len(b.last))
	}
}

// On a terminal the bars are redrawn in place: after any sequence the
// screen shows the messages, then one bar per running job.
func TestBarsLive(t *testing.T) {
	var out bytes.Buffer
	b := newBars(&out, true)
	b.Update(&job.Progress{JobID: "j1", Stage: job.StageFetch})
	b.Update(&job.Progress{JobID: "j2", Stage: job.StageDecode})
	b.Printf("hello\n")
	b.Update(&job.Progress{JobID: "j1", Stage: job.StageTranscribe, WindowsDone: 1, WindowsTotal: 2, AudioDoneS: 30, DurationS: 60})
	b.Done("j2", "j2 done")
	screen := emulate(out.String())
	want := []string{"hello", "j2 done", "j1 [############------------]  50% transcribe window 1/2 30.0/60.0 s"}
	if strings.Join(screen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("screen:\n%s\nwant:\n%s", strings.Join(screen, "\n"), strings.Join(want, "\n"))
	}
}

// emulate plays the output on a screen that knows \n, \r, ESC[K (erase to
// the end of the line) and ESC[nA (n lines up), and returns its non-empty
// lines.
func emulate(s string) []string {
	var lines [][]rune
	row, col := 0, 0
	at := func() {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		at()
		switch c := rs[i]; {
		case c == '\n':
			row, col = row+1, 0
		case c == '\r':
			col = 0
		case c == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j, n := i+2, 0
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				n = 10*n + int(rs[j]-'0')
				j++
			}
			switch rs[j] {
			case 'K':
				lines[row] = lines[row][:min(col, len(lines[row]))]
			case 'A':
				row = max(row-n, 0)
			}
			i = j
		default:
			for len(lines[row]) <= col {
				lines[row] = append(lines[row], ' ')
			}
			lines[row][col] = c
			col++
		}
	}
	var out []string
	for _, l := range lines {
		if t := strings.TrimRight(string(l), " "); t != "" {
			out = append(out, t)
		}
	}
	return out
}
