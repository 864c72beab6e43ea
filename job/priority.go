package job

import "encoding/json"

// Priority is how soon a job wants a worker: workers take high jobs before
// normal ones and normal before low, except that a share of their picks
// goes to the lower priorities first so that none waits for ever (see the
// queue package's Intake for the policy and its bound).
type Priority string

// Priorities a job may ask for. The empty priority is normal.
const (
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// Priorities lists the priorities from highest to lowest.
var Priorities = []Priority{PriorityHigh, PriorityNormal, PriorityLow}

// Valid reports whether p is a priority a job may ask for (empty included).
func (p Priority) Valid() bool {
	switch p {
	case "", PriorityHigh, PriorityNormal, PriorityLow:
		return true
	}
	return false
}

// OrNormal returns p, or PriorityNormal for the empty priority.
func (p Priority) OrNormal() Priority {
	if p == "" {
		return PriorityNormal
	}
	return p
}

// PriorityOf reads only the "priority" of a job message. Anything that does
// not name a valid priority — not JSON, no such field, an unknown value —
// is PriorityNormal: a message is routed by it before anything judges it,
// and the worker that takes it answers a bad job as it would any other.
func PriorityOf(data []byte) Priority {
	var probe struct {
		Priority json.RawMessage `json:"priority"`
	}
	if json.Unmarshal(data, &probe) != nil || len(probe.Priority) == 0 {
		return PriorityNormal
	}
	var p Priority
	if json.Unmarshal(probe.Priority, &p) != nil || !p.Valid() {
		return PriorityNormal
	}
	return p.OrNormal()
}
