package gateway

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/xdna-worker/xdna-worker/job"
)

// Limits of a request's form besides its file.
const (
	// maxParts bounds the parts of one form.
	maxParts = 64
	// maxOtherField bounds a field the gateway does not use (read and
	// dropped, as OpenAI's API ignores fields it does not know for a model).
	maxOtherField = 4 << 10
	// maxShortField bounds response_format, temperature, stream and each
	// timestamp_granularities[].
	maxShortField = 32
	// maxGranularities bounds timestamp_granularities[].
	maxGranularities = 4
)

// form is what a transcription or translation request asks for.
type form struct {
	Model          string
	Language       string
	Prompt         string
	ResponseFormat string
	Temperature    string
	Granularities  []string
	Stream         string
	// File reports that the file part was read (and given to upload).
	File bool
}

// fieldLimits are the longest values of the fields the gateway uses.
var fieldLimits = map[string]int{
	"model":                     MaxModelBytes,
	"language":                  MaxLanguageBytes,
	"prompt":                    job.MaxPromptBytes,
	"response_format":           maxShortField,
	"temperature":               maxShortField,
	"stream":                    maxShortField,
	"timestamp_granularities[]": maxShortField,
	"timestamp_granularities":   maxShortField,
}

// readForm reads every part of mr. The part named "file" is handed to
// upload as it arrives (nothing of it is buffered here) and must come once;
// every other part is read up to its limit (fieldLimits, or maxOtherField
// for fields the gateway ignores), and a longer one is a 400 naming the
// field. upload's error is returned as it is.
func readForm(mr *multipart.Reader, upload func(io.Reader) error) (*form, error) {
	f := &form{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, badForm(err)
		}
		if n >= maxParts {
			part.Close()
			return nil, invalid("", CodeInvalidValue, fmt.Sprintf("The form has more than %d parts.", maxParts))
		}
		name := part.FormName()
		if name == "file" {
			if f.File {
				part.Close()
				return nil, invalid("file", CodeInvalidValue, "The form has more than one file.")
			}
			f.File = true
			err := upload(part)
			part.Close()
			if err != nil {
				return nil, err
			}
			continue
		}
		limit, used := fieldLimits[name]
		if !used {
			limit = maxOtherField
		}
		value, err := readField(part, limit)
		part.Close()
		if err != nil {
			var tooLong *fieldTooLong
			if errors.As(err, &tooLong) {
				return nil, invalid(paramName(name), CodeInvalidValue, fmt.Sprintf("The field %s is longer than %d bytes.", paramName(name), limit))
			}
			return nil, badForm(err)
		}
		switch name {
		case "model":
			f.Model = value
		case "language":
			f.Language = value
		case "prompt":
			f.Prompt = value
		case "response_format":
			f.ResponseFormat = value
		case "temperature":
			f.Temperature = value
		case "stream":
			f.Stream = value
		case "timestamp_granularities[]", "timestamp_granularities":
			if len(f.Granularities) >= maxGranularities {
				return nil, invalid("timestamp_granularities", CodeInvalidValue, fmt.Sprintf("More than %d timestamp granularities.", maxGranularities))
			}
			f.Granularities = append(f.Granularities, value)
		}
	}
}

// fieldTooLong is a field longer than its limit.
type fieldTooLong struct{}

func (*fieldTooLong) Error() string { return "field too long" }

// readField reads a field of at most limit bytes.
func readField(r io.Reader, limit int) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return "", err
	}
	if len(b) > limit {
		return "", &fieldTooLong{}
	}
	return string(b), nil
}

// paramName is a field's name as error bodies name it: printable, short,
// without the "[]" of list fields.
func paramName(name string) string {
	name = strings.TrimSuffix(name, "[]")
	if len(name) > 64 {
		name = name[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
}

// badForm is the 400 (or 413, for a body beyond the request's cap) of a
// body that is not a readable multipart form.
func badForm(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return newError(http.StatusRequestEntityTooLarge, TypeInvalidRequest, CodeFileTooLarge, "file",
			"The request is larger than the server accepts.")
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return invalid("", CodeInvalidValue, "The request body is not a readable multipart/form-data form.")
}

// parseTemperature parses the temperature field: empty, or a number in 0–1.
func parseTemperature(s string) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	t, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(t >= 0 && t <= 1) {
		return nil, invalid("temperature", CodeInvalidValue, "temperature must be a number from 0 to 1.")
	}
	return &t, nil
}
