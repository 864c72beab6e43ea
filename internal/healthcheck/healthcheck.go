// Package healthcheck asks a local server's /healthz, for the container
// healthchecks of images without a shell or curl (`xdna-worker
// healthcheck`, `xdna-gateway healthcheck`).
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// timeout bounds one check.
const timeout = 3 * time.Second

// Run asks GET /healthz of the server listening on the address in the
// environment variable env (def when it is unset), on loopback when that
// address names every interface, and returns the exit status: 0 healthy,
// 1 unhealthy or unreachable, 2 for an address it cannot use. Why it
// failed goes to stderr.
func Run(ctx context.Context, env, def string, stderr io.Writer) int {
	addr := os.Getenv(env)
	if addr == "" {
		addr = def
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %s: %v\n", env, err)
		return 2
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %s: %v\n", env, err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.Status)
		return 1
	}
	return 0
}
