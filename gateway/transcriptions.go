package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/telemetry"
)

// The tasks of the two endpoints.
const (
	taskTranscribe = job.TaskTranscribe
	taskTranslate  = job.TaskTranslate
)

// formOverhead is what a request body may hold besides its file: every
// field at its limit, part headers and boundaries.
const formOverhead = 1 << 20

// removeTimeout bounds the removal of an upload, which runs after the
// request's own context may have ended.
const removeTimeout = 30 * time.Second

// request is a validated transcription or translation request.
type request struct {
	task          string
	format        string
	words         bool
	stream        bool
	model         string
	language      string
	prompt        string
	temperature   *float64
	granularities []string
}

// transcriptions serves POST /v1/audio/transcriptions (task transcribe) and
// /v1/audio/translations (task translate): the file is streamed into
// storage, a job is published and its result awaited, and the result is
// answered in the response format asked for. The upload is removed once
// the request ends, whatever the outcome.
func (s *Server) transcriptions(task string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		// The deadline covers reading the body too: a client that uploads
		// too slowly is cut off with the rest of the request.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
		r.Body = http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxUploadBytes)+formOverhead)

		id := newJobID()
		trace.SpanFromContext(ctx).SetAttributes(telemetry.AttrJobID.String(id))
		key := "gateway/" + id
		uploaded := false
		defer func() {
			if uploaded {
				s.removeUpload(key)
			}
		}()
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, invalid("", CodeInvalidValue, "The request must be multipart/form-data with a file."))
			return
		}
		f, err := readForm(mr, func(part io.Reader) error {
			uploaded = true
			return s.upload(ctx, key, part)
		})
		if err != nil {
			s.fail(ctx, w, r, id, err)
			return
		}
		req, err := s.validate(task, f)
		if err != nil {
			writeError(w, err)
			return
		}
		j := s.newJob(ctx, id, key, req)
		if req.stream {
			s.stream(ctx, w, r, j)
			return
		}
		res, err := s.await(ctx, j)
		if err != nil {
			if ctx.Err() != nil {
				s.cancel(id)
			}
			s.fail(ctx, w, r, id, err)
			return
		}
		if res.Status != job.StatusSucceeded {
			writeError(w, resultError(res))
			return
		}
		if err := writeTranscript(w, req, res); err != nil {
			s.log.Error("cannot answer a result", "job_id", id, "error", err)
			writeError(w, err)
		}
	})
}

// upload streams the file part into the audio bucket as key, refusing more
// than MaxUploadBytes.
func (s *Server) upload(ctx context.Context, key string, part io.Reader) error {
	capped := &cappedReader{r: part, left: int64(s.cfg.MaxUploadBytes)}
	err := s.store.Put(ctx, s.cfg.AudioBucket, key, capped, -1, "application/octet-stream")
	switch {
	case capped.exceeded:
		return newError(http.StatusRequestEntityTooLarge, TypeInvalidRequest, CodeFileTooLarge, "file",
			fmt.Sprintf("The file is larger than the %d bytes this server accepts.", s.cfg.MaxUploadBytes))
	case capped.err != nil:
		return badForm(capped.err) // the client's body failed, not storage
	case err != nil:
		return fmt.Errorf("gateway: upload %s: %w", key, err)
	}
	return nil
}

// cappedReader reads at most left bytes of r; reading beyond fails and
// sets exceeded. err keeps an error of r itself.
type cappedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
	err      error
}

// errTooLarge stops an upload beyond the cap.
var errTooLarge = errors.New("gateway: file too large")

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.exceeded = true
		return 0, errTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

// validate checks a form against the endpoint's task and the configuration.
func (s *Server) validate(task string, f *form) (*request, error) {
	if !f.File {
		return nil, invalid("file", CodeMissingField, "you must provide a file.")
	}
	if f.Model == "" {
		return nil, invalid("model", CodeMissingField, "you must provide a model parameter.")
	}
	if !slices.Contains(s.cfg.Models, f.Model) {
		return nil, modelNotFound(f.Model)
	}
	req := &request{task: task, format: f.ResponseFormat, model: f.Model, prompt: f.Prompt, language: strings.ToLower(strings.TrimSpace(f.Language))}
	if req.format == "" {
		req.format = "json"
	}
	if _, ok := writers[req.format]; !ok {
		return nil, invalid("response_format", CodeInvalidValue, "response_format must be one of json, text, srt, verbose_json, vtt.")
	}
	for _, c := range req.language {
		if !(c >= 'a' && c <= 'z' || c == '-') {
			return nil, invalid("language", CodeInvalidValue, "language must be an ISO-639-1 code such as en.")
		}
	}
	t, err := parseTemperature(f.Temperature)
	if err != nil {
		return nil, err
	}
	req.temperature = t
	for _, g := range f.Granularities {
		switch g {
		case "word":
			req.words = true
		case "segment":
		default:
			return nil, invalid("timestamp_granularities", CodeInvalidValue, "timestamp_granularities must be word or segment.")
		}
		req.granularities = append(req.granularities, g)
	}
	if len(req.granularities) > 0 && req.format != "verbose_json" {
		return nil, invalid("timestamp_granularities", CodeInvalidValue, "timestamp_granularities needs response_format verbose_json.")
	}
	switch strings.ToLower(f.Stream) {
	case "", "false":
	case "true":
		if task != taskTranscribe {
			return nil, invalid("stream", CodeInvalidValue, "stream is not supported for translations.")
		}
		req.stream = true
	default:
		return nil, invalid("stream", CodeInvalidValue, "stream must be true or false.")
	}
	return req, nil
}

// newJob is the job of a request whose file is stored as key.
func (s *Server) newJob(ctx context.Context, id, key string, req *request) *job.Job {
	j := &job.Job{
		ID:             id,
		Audio:          job.ObjectRef{Bucket: s.cfg.AudioBucket, Key: key},
		Language:       req.language,
		Task:           req.task,
		Priority:       s.cfg.Priority,
		Prompt:         req.prompt,
		WordTimestamps: req.words,
	}
	if req.model != s.cfg.Models[0] {
		j.Model = req.model
	}
	if req.temperature != nil {
		j.Decoding = &job.Decoding{Temperature: req.temperature}
	}
	if who := identityOf(ctx); who.tenant != "" {
		j.Metadata, _ = json.Marshal(map[string]string{"tenant": who.tenant})
	}
	return j
}

// errResult stops the watch once the result is there.
var errResult = errors.New("result arrived")

// await publishes j and returns its result. The result is read by an
// ordered consumer that delivers every message RESULTS holds on the job's
// own subject, so a result stored before the consumer exists is not
// missed.
func (s *Server) await(ctx context.Context, j *job.Job) (*job.Result, error) {
	if err := s.pub.Submit(ctx, j); err != nil {
		return nil, err
	}
	var res *job.Result
	err := queue.Watch(ctx, s.js, s.cfg.NATS, func(r *job.Result, _ jetstream.Msg) error {
		res = r
		return errResult
	}, queue.WatchFromStart(), queue.WatchJobs(j.ID), queue.WatchLogger(s.log))
	if errors.Is(err, errResult) {
		return res, nil
	}
	return nil, err
}

// fail answers err: an *Error as it is; the request's timeout as a 504; a
// client that went away with nothing (it cannot be answered); anything
// else as a 500, logged with the job id.
func (s *Server) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
		writeError(w, e)
	case r.Context().Err() != nil:
		s.log.Info("client went away", "job_id", id)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		writeError(w, newError(http.StatusGatewayTimeout, TypeTimeout, CodeTimeout, "",
			fmt.Sprintf("The request took longer than %v (job %s).", s.cfg.RequestTimeout, id)))
	default:
		s.log.Error("request failed", "job_id", id, "error", err)
		writeError(w, err)
	}
}

// cancel marks job id cancelled, when the gateway may (WithCancels): its
// request ended before the result, so nobody will read it.
func (s *Server) cancel(id string) {
	if s.cancels == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	if err := s.cancels.Cancel(ctx, id); err != nil {
		s.log.Warn("cannot cancel the job of a request that ended", "job_id", id, "error", err)
		return
	}
	s.log.Info("cancelled the job of a request that ended before its result", "job_id", id)
}

// removeUpload deletes an upload: uploads are not kept.
func (s *Server) removeUpload(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	if err := s.store.Remove(ctx, s.cfg.AudioBucket, key); err != nil {
		s.log.Warn("cannot remove an upload", "bucket", s.cfg.AudioBucket, "key", key, "error", err)
	}
}
