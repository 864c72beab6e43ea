package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/xdna-worker/xdna-worker/job"
)

// bars shows a progress bar per job from the workers' progress events. On
// a terminal the bars are redrawn in place, one line per job still
// running; elsewhere each event is one line. Messages printed through
// Printf appear above the bars. It is safe for concurrent use (progress
// arrives on the NATS connection's goroutine, results on the caller's).
type bars struct {
	mu    sync.Mutex
	w     io.Writer
	live  bool            // redraw in place (a terminal)
	order []string        // jobs with a bar, in the order they got one
	last  map[string]line // each bar's state
	done  map[string]bool // jobs whose result arrived: late events are ignored
	// labelledOnly shows only jobs given a Label (set before use).
	labelledOnly bool
	drawn        int // lines of bars on the screen
}

// line is one job's bar.
type line struct {
	name string // what the bar is labelled with
	p    job.Progress
}

// maxDone bounds the finished jobs whose late progress events are ignored.
const maxDone = 4096

// barWidth is the width of the bar itself, in characters.
const barWidth = 24

// newBars draws on w; live redraws in place (w is a terminal).
func newBars(w io.Writer, live bool) *bars {
	return &bars{w: w, live: live, last: map[string]line{}, done: map[string]bool{}}
}

// Label names job id's bar (a file name, say) instead of the job id.
func (b *bars) Label(id, name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.last[id]
	l.name = name
	b.last[id] = l
}

// Update shows p on its job's bar.
func (b *bars) Update(p *job.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, labelled := b.last[p.JobID]
	if b.done[p.JobID] || (b.labelledOnly && !labelled) {
		return
	}
	if !b.hasBar(p.JobID) {
		b.order = append(b.order, p.JobID)
	}
	l.p = *p
	b.last[p.JobID] = l
	if !b.live {
		fmt.Fprintln(b.w, render(l))
		return
	}
	b.redraw()
}

// Done removes job id's bar (its result arrived) and prints msg, if not
// empty, above the bars.
func (b *bars) Done(id, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A long watch sees every job of the fleet: keep nothing of a job
	// once it is done but its id, and forget those too past maxDone.
	delete(b.last, id)
	if len(b.done) >= maxDone {
		clear(b.done)
	}
	b.done[id] = true
	for i, o := range b.order {
		if o == id {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
	b.clear()
	if msg != "" {
		fmt.Fprintln(b.w, msg)
	}
	b.redraw()
}

// Printf prints a message above the bars.
func (b *bars) Printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clear()
	fmt.Fprintf(b.w, format, args...)
	b.redraw()
}

func (b *bars) hasBar(id string) bool {
	for _, o := range b.order {
		if o == id {
			return true
		}
	}
	return false
}

// clear erases the bars drawn in place, leaving the cursor where the
// first was.
func (b *bars) clear() {
	if !b.live || b.drawn == 0 {
		return
	}
	fmt.Fprintf(b.w, "\x1b[%dA", b.drawn)
	for range b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K\n")
	}
	fmt.Fprintf(b.w, "\x1b[%dA", b.drawn)
	b.drawn = 0
}

// redraw draws every bar in place, over the ones drawn before.
func (b *bars) redraw() {
	if !b.live {
		return
	}
	if b.drawn > 0 {
		fmt.Fprintf(b.w, "\x1b[%dA", b.drawn)
	}
	for _, id := range b.order {
		fmt.Fprintf(b.w, "\r\x1b[K%s\n", render(b.last[id]))
	}
	// Lines left over from a bar that went away.
	for i := len(b.order); i < b.drawn; i++ {
		fmt.Fprint(b.w, "\r\x1b[K\n")
	}
	if extra := b.drawn - len(b.order); extra > 0 {
		fmt.Fprintf(b.w, "\x1b[%dA", extra)
	}
	b.drawn = len(b.order)
}

// render formats one bar: label, bar, percentage, stage, windows and
// seconds of audio.
func render(l line) string {
	p := l.p
	name := l.name
	if name == "" {
		name = p.JobID
	}
	f := p.Fraction()
	n := int(f * barWidth)
	s := fmt.Sprintf("%s [%s%s] %3.0f%% %s", name, strings.Repeat("#", n), strings.Repeat("-", barWidth-n), 100*f, p.Stage)
	if p.WindowsTotal > 0 {
		s += fmt.Sprintf(" window %d/%d", p.WindowsDone, p.WindowsTotal)
	}
	if p.DurationS > 0 {
		s += fmt.Sprintf(" %.1f/%.1f s", p.AudioDoneS, p.DurationS)
	}
	return s
}
