package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// newLogger builds the process logger: tint on a terminal, JSON otherwise
// (format auto), or the format asked for.
func newLogger(w *os.File, level slog.Level, format string) *slog.Logger {
	if format == "auto" {
		format = "json"
		if term.IsTerminal(int(w.Fd())) {
			format = "tint"
		}
	}
	var out io.Writer = w
	switch format {
	case "tint":
		return slog.New(tint.NewHandler(out, &tint.Options{Level: level}))
	case "text":
		return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	default:
		return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level}))
	}
}
