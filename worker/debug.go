package worker

import (
	"net/http"
	"net/http/pprof"
)

// DebugHandler serves the Go runtime's profiles (net/http/pprof) under
// /debug/pprof/, for DEBUG_ADDR only: a mux of its own, never the main
// health and metrics one. Importing net/http/pprof also registers these
// handlers on http.DefaultServeMux, which the worker never serves.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also the named profiles: heap, goroutine, allocs, block, mutex, threadcreate
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
