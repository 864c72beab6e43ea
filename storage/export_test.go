package storage

import "net/http"

// NewWithTransport is New with a caller's round tripper, for tests that
// watch the traffic.
func NewWithTransport(cfg Config, rt http.RoundTripper) (*Client, error) {
	return newClient(cfg, rt)
}
