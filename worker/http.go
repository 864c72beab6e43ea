package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xdna-worker/xdna-worker/xdna"
)

// Health is the /health document, compatible with the seed server's.
type Health struct {
	Status string `json:"status"` // healthy or degraded
	Worker string `json:"worker"`
	Device string `json:"device"`
	Model  string `json:"model,omitempty"` // the default model's name
	// Models are the models jobs may pick (a job's "model"), the default
	// first: names and shapes, never their files' paths.
	Models      []ModelInfo           `json:"models,omitempty"`
	NATS        string                `json:"nats"`
	InFlight    int                   `json:"in_flight"`
	BufferSets  int                   `json:"buffer_sets"`
	PoolBytes   int64                 `json:"pool_bytes"`
	BufferPools map[string]xdna.Stats `json:"buffer_pools"`
	Warnings    []string              `json:"warnings"`
}

// minHitRate is the pool hit ratio below which /health reports degraded,
// as the seed server did. The seed's other rule (fewer than 5 buffers
// available) said degraded for every idle worker with the default pools of
// 4; a pool counts as short when jobs wait on it with none available.
const minHitRate = 0.9

// Health returns the worker's health document.
func (w *Worker) Health() Health {
	h := Health{
		Status: "healthy", Worker: w.cfg.WorkerID, Device: w.dev.Name(), Model: w.models[0].name,
		NATS: w.nc.Status().String(), InFlight: int(w.inFlight.Load()), BufferSets: cap(w.slots),
		PoolBytes: w.pools.MaxBytes(), BufferPools: map[string]xdna.Stats{}, Warnings: []string{},
	}
	for i, m := range w.models {
		if m.model != nil {
			h.Models = append(h.Models, m.info(i == 0))
		}
	}
	for _, p := range w.pools.All() {
		s := p.Stats()
		h.BufferPools[s.Name] = s
		if s.BuffersAvailable == 0 && s.Waiting > 0 {
			h.Warnings = append(h.Warnings, fmt.Sprintf("%s pool: no buffer available, %d waiting", s.Name, s.Waiting))
		}
		if s.HitRate < minHitRate {
			h.Warnings = append(h.Warnings, fmt.Sprintf("%s pool: hit rate %.2f (< %.2f)", s.Name, s.HitRate, minHitRate))
		}
		if s.HasLeaks {
			h.Warnings = append(h.Warnings, fmt.Sprintf("%s pool: %d leaked buffers reclaimed", s.Name, s.Leaks))
		}
	}
	if err := w.Live(context.Background()); err != nil {
		h.Warnings = append(h.Warnings, "not live: "+err.Error())
	}
	if len(h.Warnings) > 0 {
		h.Status = "degraded"
	}
	return h
}

// Handler serves /healthz, /readyz, /health and /metrics.
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		if err := w.Live(r.Context()); err != nil {
			http.Error(rw, "not live: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		if err := w.Ready(r.Context()); err != nil {
			http.Error(rw, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		rw.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /health", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(rw)
		enc.SetIndent("", "  ")
		enc.Encode(w.Health())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.m.reg, promhttp.HandlerOpts{}))
	return mux
}

// Ready reports why the worker cannot take jobs, or nil: NATS connected,
// every model loaded and its device open, worker running.
func (w *Worker) Ready(ctx context.Context) error {
	switch {
	case w.nc == nil || w.nc.Status() != nats.CONNECTED:
		return fmt.Errorf("nats %v", w.nc.Status())
	case w.dev == nil || len(w.models) == 0:
		return fmt.Errorf("device not open")
	case !w.modelsOpen():
		return fmt.Errorf("not every model is loaded")
	case !w.running.Load():
		return fmt.Errorf("not running")
	case w.draining.Load():
		return fmt.Errorf("draining")
	}
	return nil
}

// modelsOpen reports whether every model has its transcriber and device.
func (w *Worker) modelsOpen() bool {
	for _, m := range w.models {
		if m.tr == nil || m.dev == nil {
			return false
		}
	}
	return true
}
