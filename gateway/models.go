package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// Model is one entry of OpenAI's model list.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelList is OpenAI's list of models.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}

// modelOwner is every model's owned_by.
const modelOwner = "xdna-worker"

func (s *Server) model(id string) Model {
	return Model{ID: id, Object: "model", Created: s.created, OwnedBy: modelOwner}
}

// listModels answers GET /v1/models with the configured models.
func (s *Server) listModels(w http.ResponseWriter, _ *http.Request) {
	list := ModelList{Object: "list", Data: []Model{}}
	for _, m := range s.cfg.Models {
		list.Data = append(list.Data, s.model(m))
	}
	writeJSON(w, list)
}

// retrieveModel answers GET /v1/models/{model}.
func (s *Server) retrieveModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("model")
	if !slices.Contains(s.cfg.Models, id) {
		writeError(w, modelNotFound(id))
		return
	}
	writeJSON(w, s.model(id))
}

// modelNotFound is OpenAI's 404 for a model it does not have.
func modelNotFound(id string) *Error {
	if !validModel(id) {
		id = "(invalid name)"
	}
	return newError(http.StatusNotFound, TypeInvalidRequest, CodeModelNotFound, "model",
		fmt.Sprintf("The model '%s' does not exist.", id))
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}
