package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// stream answers a stream=true request as OpenAI's transcription stream
// (server-sent events): a transcript.text.delta for the text of each
// progress event of the job as the worker publishes it (a window's text,
// at most once a second), the rest of the text once the result is there,
// then transcript.text.done with the whole text, trimmed as json's. The
// deltas add up to it. Nothing is written before the first delta, so a job
// that fails before any text answers with an error status as without
// stream; one that fails later ends the stream without done.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, r *http.Request, j *job.Job) {
	var (
		mu      sync.Mutex
		pending strings.Builder // progress text not yet sent
	)
	wake := make(chan struct{}, 1)
	sub, err := queue.SubscribeProgress(s.js.Conn(), s.cfg.NATS, func(p *job.Progress) {
		if p.Text == "" {
			return
		}
		mu.Lock()
		pending.WriteString(p.Text)
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	}, j.ID)
	if err != nil {
		s.fail(ctx, w, r, j.ID, err)
		return
	}
	defer sub.Unsubscribe()

	type outcome struct {
		res *job.Result
		err error
	}
	done := make(chan outcome, 1)
	actx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() {
		res, err := s.await(actx, j)
		done <- outcome{res, err}
	})

	ev := &events{w: w}
	var streamed strings.Builder // the raw progress text sent
	for {
		select {
		case <-wake:
			mu.Lock()
			text := pending.String()
			pending.Reset()
			mu.Unlock()
			streamed.WriteString(text)
			ev.delta(text)
		case o := <-done:
			switch {
			case o.err != nil:
				if ctx.Err() != nil {
					s.cancel(j.ID)
				}
				if !ev.started {
					s.fail(ctx, w, r, j.ID, o.err)
				}
			case o.res.Status != job.StatusSucceeded:
				if !ev.started {
					writeError(w, resultError(o.res))
				}
			default:
				// Progress published before the result may still be on
				// its way: the result's text is the whole, what was
				// streamed its start.
				if rest, ok := strings.CutPrefix(o.res.Text, streamed.String()); ok {
					ev.delta(rest)
				}
				ev.done(strings.TrimSpace(o.res.Text))
			}
			return
		}
	}
}

// events writes OpenAI's transcription stream events, the headers with the
// first.
type events struct {
	w       http.ResponseWriter
	started bool
	sent    bool // a delta with text went out: later ones keep their spaces
}

// delta sends text as a transcript.text.delta; leading spaces of the
// transcript (before any text was sent) are left out, as json's text does.
func (e *events) delta(text string) {
	if !e.sent {
		text = strings.TrimLeft(text, " ")
	}
	if text == "" {
		return
	}
	e.sent = true
	e.send(textDelta{Type: "transcript.text.delta", Delta: text})
}

// done sends transcript.text.done with the whole text.
func (e *events) done(text string) {
	e.send(textDone{Type: "transcript.text.done", Text: text})
}

func (e *events) send(v any) {
	if !e.started {
		e.started = true
		e.w.Header().Set("Content-Type", "text/event-stream")
		e.w.Header().Set("Cache-Control", "no-cache")
	}
	b, _ := json.Marshal(v)
	e.w.Write([]byte("data: "))
	e.w.Write(b)
	e.w.Write([]byte("\n\n"))
	http.NewResponseController(e.w).Flush()
}
