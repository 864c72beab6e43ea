package worker

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// ErrUnknownModel is why a job naming a model the worker does not serve
// fails; it carries job.CodeInvalidJob.
var ErrUnknownModel = errors.New("unknown model")

// servedModel is one model a worker serves: its own mel front end, encoder
// device and text decoder (jobs of different models are never batched
// together) in a transcriber over the worker's shared pools.
type servedModel struct {
	name  string         // what jobs and results call it
	model *whisper.Model // nil on the sim device without a model
	tr    *pipeline.Transcriber
	dev   *xdna.Watched
	load  time.Duration // how long loading took
	rss   int64         // the process's RSS right after
}

// ModelInfo describes one of the worker's models in /health: never its
// file's path.
type ModelInfo struct {
	Name    string `json:"name"`
	Default bool   `json:"default,omitempty"`
	// Type is the official model whose shape it has (tiny, base.en,
	// large-v3, ...), empty for other shapes.
	Type         string `json:"type,omitempty"`
	Multilingual bool   `json:"multilingual"`
	NMels        int    `json:"n_mels"`
	NAudioCtx    int    `json:"n_audio_ctx"`
	NAudioState  int    `json:"n_audio_state"`
	NAudioLayer  int    `json:"n_audio_layer"`
	NTextLayer   int    `json:"n_text_layer"`
	NVocab       int    `json:"n_vocab"`
}

// info describes m for /health.
func (m *servedModel) info(isDefault bool) ModelInfo {
	h := m.model.H
	return ModelInfo{Name: m.name, Default: isDefault, Type: m.model.Size(), Multilingual: m.model.Tok.Multilingual(),
		NMels: h.NMels, NAudioCtx: h.NAudioCtx, NAudioState: h.NAudioState, NAudioLayer: h.NAudioLayer,
		NTextLayer: h.NTextLayer, NVocab: h.NVocab}
}

// pickModel returns the model job j asked for: its model field, or the
// default (the first configured) when empty. A name the worker does not
// serve is an error with job.CodeInvalidJob naming the models it has.
func (w *Worker) pickModel(j *job.Job) (*servedModel, error) {
	if j.Model == "" {
		return w.models[0], nil
	}
	names := make([]string, 0, len(w.models))
	for _, m := range w.models {
		if m.name == j.Model && m.model != nil {
			return m, nil
		}
		if m.model != nil {
			names = append(names, m.name)
		}
	}
	if len(names) == 0 {
		return nil, job.WithCode(job.CodeInvalidJob, fmt.Errorf("job %s: %w %.64q: this worker has no model (sim device); send jobs without model", j.ID, ErrUnknownModel, j.Model))
	}
	return nil, job.WithCode(job.CodeInvalidJob, fmt.Errorf("job %s: %w %.64q: this worker has %s", j.ID, ErrUnknownModel, j.Model, strings.Join(names, ", ")))
}

// poolDims are dimensions whose buffers hold a window of any of the
// models: the most mel bins, and the largest encoder output.
func poolDims(models []*whisper.Model) xdna.Dims {
	if len(models) == 0 {
		return xdna.DefaultDims
	}
	d := models[0].Dims()
	for _, m := range models[1:] {
		md := m.Dims()
		d.NMels = max(d.NMels, md.NMels)
		if md.NAudioCtx*md.NAudioState > d.NAudioCtx*d.NAudioState {
			d.NAudioCtx, d.NAudioState = md.NAudioCtx, md.NAudioState
		}
	}
	return d
}
