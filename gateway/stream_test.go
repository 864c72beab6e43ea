package gateway_test

import (
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
)

// stream=true through the SDK's NewStreaming: a transcript.text.delta per
// segment, then transcript.text.done with the whole text.
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
