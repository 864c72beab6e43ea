package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// Failed results map to OpenAI's status, type and code; a 500 does not pass
// the worker's message on.
func TestResultErrors(t *testing.T) {
	for _, tc := range []struct {
		code   job.Code
		status int
		typ    string
	}{
		{job.CodeInvalidJob, 400, TypeInvalidRequest},
		{job.CodeAudioDecode, 400, TypeInvalidRequest},
		{job.CodeUnsupportedFormat, 400, TypeInvalidRequest},
		{job.CodeAudioTooLong, 400, TypeInvalidRequest},
		{job.CodeAudioTooLarge, 413, TypeInvalidRequest},
		{job.CodeTimeout, 504, TypeTimeout},
		{CodeCanceled, 499, TypeInvalidRequest},
		{job.CodeInternal, 500, TypeServer},
		{job.CodeAudioNotFound, 500, TypeServer},
		{"something-new", 500, TypeServer},
	} {
		res := &job.Result{JobID: "gw-1", Status: job.StatusFailed, Error: &job.ErrorBody{Code: tc.code, Message: "worker detail /secret/path"}}
		rec := httptest.NewRecorder()
		writeError(rec, resultError(res))
		var body struct {
			Error struct {
				Message, Type string
				Code          *string
				Param         *string
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tc.status || body.Error.Type != tc.typ || body.Error.Code == nil || *body.Error.Code != string(tc.code) || body.Error.Param != nil {
			t.Errorf("%s: %d %s", tc.code, rec.Code, rec.Body)
		}
		if tc.status == 500 && strings.Contains(body.Error.Message, "secret") {
			t.Errorf("%s: a 500 passes the worker's message on: %s", tc.code, rec.Body)
		}
	}
}

// /healthz answers ok; an unknown URL is OpenAI's 404 body.
func TestHealthzAndUnknownURL(t *testing.T) {
	cfg, err := LoadConfig(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg, nil, nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"type":"invalid_request_error"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
