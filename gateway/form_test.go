package gateway

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// formBody is a multipart body of fields (name, value) and an optional file.
func formBody(t testing.TB, fields [][2]string, fileData []byte) (body []byte, boundary string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if fileData != nil {
		fw, _ := w.CreateFormFile("file", "a.wav")
		fw.Write(fileData)
	}
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	w.Close()
	return b.Bytes(), w.Boundary()
}

func TestReadForm(t *testing.T) {
	body, boundary := formBody(t, [][2]string{
		{"model", "whisper-1"}, {"language", "en"}, {"prompt", "Glossary"}, {"response_format", "srt"},
		{"temperature", "0.3"}, {"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "segment"},
		{"stream", "false"}, {"chunking_strategy", "auto"},
	}, []byte("RIFF...."))
	var got bytes.Buffer
	f, err := readForm(multipart.NewReader(bytes.NewReader(body), boundary), func(r io.Reader) error {
		_, err := io.Copy(&got, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !f.File || got.String() != "RIFF...." || f.Model != "whisper-1" || f.Language != "en" || f.Prompt != "Glossary" ||
		f.ResponseFormat != "srt" || f.Temperature != "0.3" || len(f.Granularities) != 2 || f.Stream != "false" {
		t.Fatalf("%+v", f)
	}
}

// Every field has a limit; the error names the field, never its value.
func TestReadFormLimits(t *testing.T) {
	discard := func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
	for _, tc := range []struct {
		name   string
		fields [][2]string
		param  string
	}{
		{"prompt", [][2]string{{"prompt", strings.Repeat("p", 1025)}}, "prompt"},
		{"model", [][2]string{{"model", strings.Repeat("m", MaxModelBytes+1)}}, "model"},
		{"language", [][2]string{{"language", strings.Repeat("l", MaxLanguageBytes+1)}}, "language"},
		{"unknown field", [][2]string{{"secret_field", strings.Repeat("s", maxOtherField+1)}}, "secret_field"},
		{"granularities", [][2]string{{"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "word"}}, "timestamp_granularities"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, boundary := formBody(t, tc.fields, nil)
			_, err := readForm(multipart.NewReader(bytes.NewReader(body), boundary), discard)
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Param == nil || *e.Param != tc.param {
				t.Fatalf("%v", err)
			}
			if strings.Contains(e.Message, strings.Repeat(tc.fields[0][1][:1], 8)) {
				t.Fatalf("message echoes the value: %s", e.Message)
			}
		})
	}
	t.Run("two files", func(t *testing.T) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for range 2 {
			fw, _ := w.CreateFormFile("file", "a.wav")
			fw.Write([]byte("x"))
		}
		w.Close()
		_, err := readForm(multipart.NewReader(&b, w.Boundary()), discard)
		var e *Error
		if !errors.As(err, &e) || *e.Param != "file" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("too many parts", func(t *testing.T) {
		var fields [][2]string
		for range maxParts + 1 {
			fields = append(fields, [2]string{"x", "y"})
		}
		body, boundary := formBody(t, fields, nil)
		_, err := readForm(multipart.NewReader(bytes.NewReader(body), boundary), discard)
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
			t.Fatalf("%v", err)
		}
	})
}

// FuzzReadForm: readForm on arbitrary bytes never panics, and whatever it
// accepts is within the limits.
func FuzzReadForm(f *testing.F) {
	const boundary = "fuzzboundary"
	seed := func(fields [][2]string, file []byte) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary(boundary)
		if file != nil {
			fw, _ := w.CreateFormFile("file", "a.wav")
			fw.Write(file)
		}
		for _, kv := range fields {
			w.WriteField(kv[0], kv[1])
		}
		w.Close()
		return b.Bytes()
	}
	f.Add(seed([][2]string{{"model", "whisper-1"}, {"response_format", "verbose_json"}, {"timestamp_granularities[]", "word"}}, []byte("RIFF")))
	f.Add(seed([][2]string{{"prompt", strings.Repeat("x", 1024)}, {"temperature", "0.5"}}, nil))
	f.Add(seed(nil, []byte{}))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"))
	f.Add([]byte("--" + boundary + "--\r\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		uploads := 0
		form, err := readForm(multipart.NewReader(bytes.NewReader(data), boundary), func(r io.Reader) error {
			uploads++
			if _, err := io.Copy(io.Discard, r); err != nil {
				return badForm(err) // as Server.upload answers a body that fails
			}
			return nil
		})
		if uploads > 1 {
			t.Fatalf("%d uploads", uploads)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("error %v is not a client error", err)
			}
			return
		}
		if len(form.Model) > MaxModelBytes || len(form.Language) > MaxLanguageBytes || len(form.Prompt) > 1024 ||
			len(form.ResponseFormat) > maxShortField || len(form.Temperature) > maxShortField || len(form.Stream) > maxShortField ||
			len(form.Granularities) > maxGranularities || form.File != (uploads == 1) {
			t.Fatalf("%+v", form)
		}
	})
}
