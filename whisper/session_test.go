package whisper_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/wav"
	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
	"github.com/xdna-worker/xdna-worker/xdna"
)

func transcribeTone(t *testing.T, m *whisper.Model, req pipeline.Request, opts whisper.Options) (*pipeline.Transcript, error) {
	t.Helper()
	pools, err := xdna.NewPools(m.Dims(), xdna.PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := m.Transcriber(pools, opts, pipeline.WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	wav.Write(&b, pipeline.Tone(3, 330), pipeline.SampleRate)
	req.Audio = bytes.NewReader(b.Bytes())
	out, err := tr.Transcribe(xdna.WithJob(context.Background(), "t"), &req)
	for _, p := range pools.All() {
		if s := p.Stats(); s.BuffersInUse != 0 {
			t.Fatalf("pool %s: %+v", s.Name, s)
		}
	}
	return out, err
}

func TestSessionOptions(t *testing.T) {
	multi := small
	multi.NVocab = tokenizer.MultilingualVocab
	en, _ := randomModel(t, small, ggml.F32)
	ml, _ := randomModel(t, multi, ggml.F32)
	fast := whisper.Options{Temperatures: []float64{0}, MaxTokens: 16}

	// Language detection picks one of the model's languages.
	out, err := transcribeTone(t, ml, pipeline.Request{Language: "auto"}, fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ml.Tok.LanguageToken(out.Language); !ok {
		t.Fatalf("detected language %q is not a Whisper language", out.Language)
	}
	// A named language, translation and a prompt are accepted by a multilingual model.
	out, err = transcribeTone(t, ml, pipeline.Request{Language: "de", Task: job.TaskTranslate, Prompt: "Guten Tag."}, fast)
	if err != nil || out.Language != "de" {
		t.Fatalf("%v %+v", err, out)
	}
	// English-only models say en, and refuse what they cannot do.
	if out, err := transcribeTone(t, en, pipeline.Request{}, fast); err != nil || out.Language != "en" {
		t.Fatalf("%v %+v", err, out)
	}
	for _, req := range []pipeline.Request{{Task: job.TaskTranslate}, {Language: "fr"}} {
		if _, err := transcribeTone(t, en, req, fast); job.CodeOf(err) != job.CodeInvalidJob {
			t.Fatalf("%+v on an English-only model: %v", req, err)
		}
	}
	if _, err := transcribeTone(t, ml, pipeline.Request{Language: "klingon"}, fast); job.CodeOf(err) != job.CodeInvalidJob {
		t.Fatalf("unknown language: %v", err)
	}
	// With the full fallback ladder decoding still ends: tokens per window are bounded.
	if _, err := transcribeTone(t, en, pipeline.Request{}, whisper.Options{MaxTokens: 24}); err != nil {
		t.Fatal(err)
	}
}

// Issue 8, item 7: the prompt is encoded under the job's context, so a job
// whose context is done (timeout, shutdown) does not keep its slot while a
// long prompt is merged: Start fails at once with the context's error.
func TestStartPromptHonoursContext(t *testing.T) {
	m, _ := randomModel(t, small, ggml.F32)
	td := m.NewTextDecoder(whisper.Options{})
	prompt := strings.Repeat("abcdefghij", 64<<10/10) // 64 KiB in one word

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	sess, err := td.Start(ctx, &pipeline.Request{Prompt: prompt})
	if !errors.Is(err, context.Canceled) {
		if sess != nil {
			sess.Close()
		}
		t.Fatalf("Start with a cancelled context: err %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Start with a cancelled context returned after %v", d)
	}

	// With a live context the same prompt is encoded.
	sess, err = td.Start(context.Background(), &pipeline.Request{Prompt: prompt})
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
}
