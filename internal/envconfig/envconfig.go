// Package envconfig reads a binary's one configuration struct from the
// environment, by its caarlos0/env tags, reporting every field that cannot
// be parsed rather than the first.
package envconfig

import (
	"errors"

	"github.com/caarlos0/env/v11"
)

// Parse returns a T read from environ (the process's environment when
// environ is nil), and the problems of every field that could not be
// parsed, one error each; the fields that could be are set all the same, so
// that the caller's validation can report its own problems beside them.
func Parse[T any](environ map[string]string) (T, []error) {
	opts := env.Options{}
	if environ != nil {
		opts.Environment = environ
	}
	cfg, err := env.ParseAsWithOptions[T](opts)
	if err == nil {
		return cfg, nil
	}
	var agg env.AggregateError
	if errors.As(err, &agg) {
		return cfg, append([]error(nil), agg.Errors...)
	}
	return cfg, []error{err}
}
