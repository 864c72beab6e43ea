package gateway_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/xdna-worker/xdna-worker/audio/wav"
)

// stream=true through the SDK's NewStreaming: transcript.text.delta events,
// then transcript.text.done with the whole text.
func TestTranscriptionStream(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	stream := c.Audio.Transcriptions.NewStreaming(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1,
	})
	defer stream.Close()
	var deltas strings.Builder
	var done string
	var n int
	for stream.Next() {
		ev := stream.Current()
		switch ev.Type {
		case "transcript.text.delta":
			if done != "" {
				t.Fatal("a delta after done")
			}
			deltas.WriteString(ev.AsTranscriptTextDelta().Delta)
			n++
		case "transcript.text.done":
			done = ev.AsTranscriptTextDone().Text
		default:
			t.Fatalf("event %s", ev.RawJSON())
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || done == "" || strings.TrimSpace(deltas.String()) != done {
		t.Fatalf("%d deltas %q, done %q", n, deltas.String(), done)
	}
}

// A long job streams: the text of its windows arrives as the worker
// publishes it (progress events, at most once a second), well before the
// result, and the deltas still add up to the done text, which is the text
// a json request gets. 2 minutes of audio is 4 windows.
func TestTranscriptionStreamsWhileRunning(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	const rate, seconds = 8000, 120
	samples := make([]float32, rate*seconds)
	for i := range samples {
		samples[i] = 0.3 * float32(math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	var audio bytes.Buffer
	if err := wav.Write(&audio, samples, rate); err != nil {
		t.Fatal(err)
	}
	stream := c.Audio.Transcriptions.NewStreaming(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file(audio.Bytes(), "long.wav", "audio/wav"), Model: openai.AudioModelWhisper1,
	})
	defer stream.Close()
	var (
		deltas strings.Builder
		times  []time.Time
		done   string
		doneAt time.Time
	)
	for stream.Next() {
		switch ev := stream.Current(); ev.Type {
		case "transcript.text.delta":
			deltas.WriteString(ev.AsTranscriptTextDelta().Delta)
			times = append(times, time.Now())
		case "transcript.text.done":
			done, doneAt = ev.AsTranscriptTextDone().Text, time.Now()
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if done == "" || deltas.String() != done {
		t.Fatalf("deltas %q do not add up to done %q", deltas.String(), done)
	}
	early := 0
	for _, at := range times {
		if doneAt.Sub(at) > 500*time.Millisecond {
			early++
		}
	}
	if early == 0 {
		t.Fatalf("%d deltas, none more than 500 ms before done: not streamed while the job ran", len(times))
	}
	res, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file(audio.Bytes(), "long.wav", "audio/wav"), Model: openai.AudioModelWhisper1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != done {
		t.Fatalf("json text %q, stream's done %q", res.Text, done)
	}
	t.Logf("%d deltas, %d more than 500 ms before done", len(times), early)
}
