package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/transcript"
)

// writers render a succeeded result in each response_format OpenAI
// documents; each returns the body and its content type.
var writers = map[string]func(req *request, res *job.Result) ([]byte, string, error){
	"json": func(_ *request, res *job.Result) ([]byte, string, error) {
		b, err := json.Marshal(struct {
			Text string `json:"text"`
		}{strings.TrimSpace(res.Text)})
		return b, "application/json", err
	},
	"text": rendered("txt"),
	"srt":  rendered("srt"),
	"vtt":  rendered("vtt"),
	"verbose_json": func(req *request, res *job.Result) ([]byte, string, error) {
		v := transcript.NewVerbose(req.task, res)
		v.Text = strings.TrimSpace(v.Text)
		if req.words {
			v.LiftWords()
		}
		b, err := json.Marshal(v)
		return b, "application/json", err
	},
}

// rendered is the writer of a format transcript.Render knows.
func rendered(format string) func(*request, *job.Result) ([]byte, string, error) {
	return func(req *request, res *job.Result) ([]byte, string, error) {
		b, err := transcript.Render(format, req.task, res, 0)
		return b, transcript.ContentType(format), err
	}
}

// needsSegments are the formats made of the segments.
var needsSegments = []string{"srt", "vtt", "verbose_json"}

// writeTranscript answers a succeeded result in req's response format. A
// result whose publisher had to leave out what the format needs (a
// transcript too long for one message) is a 500 that says so.
func writeTranscript(w http.ResponseWriter, req *request, res *job.Result) error {
	if slices.Contains(res.Truncated, job.TruncatedText) ||
		slices.Contains(res.Truncated, job.TruncatedSegments) && slices.Contains(needsSegments, req.format) {
		return newError(http.StatusInternalServerError, TypeServer, CodeInternal, "",
			"The transcript is too long for one result message (job "+res.JobID+"); ask for response_format json or text.")
	}
	body, contentType, err := writers[req.format](req, res)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
	return nil
}

// Events of OpenAI's transcription stream.
type (
	textDelta struct {
		Type  string `json:"type"` // transcript.text.delta
		Delta string `json:"delta"`
	}
	textDone struct {
		Type string `json:"type"` // transcript.text.done
		Text string `json:"text"`
	}
)
