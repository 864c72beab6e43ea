package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/xdna-worker/xdna-worker/job"
)

// testCtx ends with the test, or after two minutes.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Every response format OpenAI documents, through the official SDK, on a
// real worker transcribing jfk.wav; the upload is gone afterwards.
func TestTranscriptionFormats(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	audio := jfk(t)
	ctx := testCtx(t)
	params := func(format openai.AudioResponseFormat) openai.AudioTranscriptionNewParams {
		return openai.AudioTranscriptionNewParams{File: file(audio, "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1, ResponseFormat: format}
	}

	t.Run("json", func(t *testing.T) {
		res, err := c.Audio.Transcriptions.New(ctx, params(openai.AudioResponseFormatJSON))
		if err != nil {
			t.Fatal(err)
		}
		if res.Text == "" || res.Text != strings.TrimSpace(res.Text) {
			t.Fatalf("text %q", res.Text)
		}
		if raw := res.RawJSON(); !strings.HasPrefix(raw, `{"text":`) || strings.Count(raw, `":`) != 1 {
			t.Fatalf("json is not {\"text\": ...}: %s", raw)
		}
	})
	t.Run("default is json", func(t *testing.T) {
		res, err := c.Audio.Transcriptions.New(ctx, params(""))
		if err != nil || res.Text == "" {
			t.Fatalf("%v %+v", err, res)
		}
	})
	for _, tc := range []struct {
		format openai.AudioResponseFormat
		check  func(string) bool
	}{
		{openai.AudioResponseFormatText, func(s string) bool { return s != "" && !strings.HasPrefix(s, "{") && strings.HasSuffix(s, "\n") }},
		{openai.AudioResponseFormatSRT, func(s string) bool {
			return strings.HasPrefix(s, "1\n00:00:") && strings.Contains(s, " --> ") && strings.Contains(s, ",")
		}},
		{openai.AudioResponseFormatVTT, func(s string) bool {
			return strings.HasPrefix(s, "WEBVTT\n\n00:00:") && strings.Contains(s, " --> ")
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			var body string
			var resp *http.Response
			if _, err := c.Audio.Transcriptions.New(ctx, params(tc.format), option.WithResponseBodyInto(&body), option.WithResponseInto(&resp)); err != nil {
				t.Fatal(err)
			}
			if !tc.check(body) {
				t.Fatalf("%s:\n%s", tc.format, body)
			}
			if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "json") {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	t.Run("verbose_json with words and segments", func(t *testing.T) {
		p := params(openai.AudioResponseFormatVerboseJSON)
		p.TimestampGranularities = []string{"word", "segment"}
		p.Language = openai.String("en")
		p.Temperature = openai.Float(0.2)
		p.Prompt = openai.String("Glossary: XDNA.")
		res, err := c.Audio.Transcriptions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		v := res.AsTranscriptionVerbose()
		if v.Language != "english" || v.Duration < 10.9 || v.Duration > 11.1 || v.Text == "" || len(v.Segments) == 0 {
			t.Fatalf("verbose: %s", res.RawJSON())
		}
		for _, k := range []string{`"task":"transcribe"`, `"seek":`, `"tokens":`, `"avg_logprob":`, `"compression_ratio":`, `"no_speech_prob":`, `"temperature":`} {
			if !strings.Contains(res.RawJSON(), k) {
				t.Fatalf("verbose_json lacks %s: %s", k, res.RawJSON())
			}
		}
		if len(v.Words) == 0 || v.Words[len(v.Words)-1].End < v.Words[0].Start {
			t.Fatalf("words: %s", res.RawJSON())
		}
		if strings.Contains(res.RawJSON(), `"probability"`) {
			t.Fatalf("words carry more than word, start, end: %s", res.RawJSON())
		}
		s := v.Segments[0]
		if s.End <= s.Start || len(s.Tokens) == 0 || s.Temperature < 0.2 {
			t.Fatalf("segment %+v", s)
		}
	})
	t.Run("verbose_json without words", func(t *testing.T) {
		res, err := c.Audio.Transcriptions.New(ctx, params(openai.AudioResponseFormatVerboseJSON))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(res.RawJSON(), `"words"`) || len(res.Segments) == 0 {
			t.Fatalf("%s", res.RawJSON())
		}
	})

	// Uploads are not kept.
	objects := e.objects(t)
	if len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}

// Translations: the same, with task translate.
func TestTranslation(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	ctx := testCtx(t)
	res, err := c.Audio.Translations.New(ctx, openai.AudioTranslationNewParams{
		File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1, ResponseFormat: openai.AudioTranslationNewParamsResponseFormatVerboseJSON,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.RawJSON(), `"task":"translate"`) || res.Text == "" {
		t.Fatalf("%s", res.RawJSON())
	}
	tr, err := c.Audio.Translations.New(ctx, openai.AudioTranslationNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1})
	if err != nil || tr.Text == "" {
		t.Fatalf("json: %v %+v", err, tr)
	}
}

// A file that is not audio fails its job with audio_decode: a 400 the SDK
// reports as *openai.Error with the result's code.
func TestNotAudio(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	_, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file([]byte("this is plain text, not audio at all"), "notes.txt", "text/plain"), Model: openai.AudioModelWhisper1,
	})
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusBadRequest || apiErr.Code != string(job.CodeAudioDecode) && apiErr.Code != string(job.CodeUnsupportedFormat) || apiErr.Type != "invalid_request_error" {
		t.Fatalf("status %d code %q type %q: %s", apiErr.StatusCode, apiErr.Code, apiErr.Type, apiErr.RawJSON())
	}
	if strings.Contains(apiErr.Message, "plain text") {
		t.Fatalf("the error echoes the file: %s", apiErr.Message)
	}
	if objects := e.objects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}

// An unknown model is OpenAI's 404 model_not_found; an empty model a 400.
func TestUnknownModel(t *testing.T) {
	e := newEnv(t, map[string]string{"GATEWAY_MODELS": "whisper-1, whisper-large"})
	c := e.client()
	_, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: "gpt-4o-transcribe"})
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" || apiErr.Param != "model" {
		t.Fatalf("%d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
	_, err = c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav")})
	if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusBadRequest || apiErr.Param != "model" {
		t.Fatalf("no model: %d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
	if objects := e.objects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
}

// A file beyond GATEWAY_MAX_UPLOAD_BYTES is a 413 and leaves nothing in
// storage.
func TestUploadCap(t *testing.T) {
	e := newEnv(t, map[string]string{"GATEWAY_MAX_UPLOAD_BYTES": "64KiB"})
	audio := jfk(t) // 352 KB
	c := e.client(option.WithMaxRetries(0))
	_, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file(audio, "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1,
	})
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusRequestEntityTooLarge || apiErr.Code != "file_too_large" || apiErr.Param != "file" {
		t.Fatalf("%d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
	if objects := e.objects(t); len(objects) != 0 {
		t.Fatalf("uploads left behind: %v", objects)
	}
	// Just below the cap is accepted (and fails as audio: a cut WAV).
	_, err = c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{
		File: file(audio[:64<<10], "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1,
	})
	if err != nil {
		if apiErr := asAPIError(t, err); apiErr.StatusCode == http.StatusRequestEntityTooLarge {
			t.Fatalf("a file of exactly the cap: %s", apiErr.RawJSON())
		}
	}
}

// asAPIError fails t unless err is an *openai.Error.
func asAPIError(t *testing.T, err error) *openai.Error {
	t.Helper()
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want *openai.Error", err, err)
	}
	return apiErr
}

// The form as curl -F file=@jfk.wav -F model=whisper-1 sends it (file
// first), and with the fields first: {"text": ...} either way.
func TestCurlForm(t *testing.T) {
	e := newEnv(t, nil)
	audio := jfk(t)
	for _, fileFirst := range []bool{true, false} {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		writeFile := func() {
			fw, _ := w.CreateFormFile("file", "jfk.wav")
			fw.Write(audio)
		}
		if fileFirst {
			writeFile()
		}
		w.WriteField("model", "whisper-1")
		if !fileFirst {
			writeFile()
		}
		w.Close()
		resp, err := http.Post(e.srv.URL+"/v1/audio/transcriptions", w.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct{ Text string }
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &got) != nil || got.Text == "" {
			t.Fatalf("file first %v: %d %s", fileFirst, resp.StatusCode, b)
		}
	}
	// Not a form at all: OpenAI's error body.
	resp, err := http.Post(e.srv.URL+"/v1/audio/transcriptions", "application/json", strings.NewReader(`{"model":"whisper-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"type":"invalid_request_error"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
