// Package embedded serves an in-process, in-memory S3-compatible endpoint,
// so that `xdna-worker demo` runs without any external service.
//
// It is github.com/johannesboyne/gofakes3 with its s3mem backend behind a
// net/http server on a loopback port. It accepts any credentials, keeps
// everything in memory, and forgets it on Close: a demo and test fixture,
// not storage.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/xdna-worker/xdna-worker/storage"
)

// Credentials that Config hands out. The server does not check them, but
// clients must sign with something.
const (
	AccessKey = "demo"
	SecretKey = "demo-secret"
	Region    = "us-east-1"
)

// Server is a running in-memory S3 endpoint.
type Server struct {
	srv  *http.Server
	addr string
	done chan struct{} // closed when Serve has returned
	err  error         // Serve's error, valid after done
}

// Start listens on a free port of 127.0.0.1 and serves S3 there until Close.
// ctx bounds only the start, not the server's lifetime.
func Start(ctx context.Context) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded s3: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded s3: listen: %w", err)
	}
	fake := gofakes3.New(s3mem.New(),
		gofakes3.WithAutoBucket(false),
		gofakes3.WithLogger(gofakes3.DiscardLog()),
	)
	s := &Server{
		srv: &http.Server{
			Handler:           dechunk(fake.Server()),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       time.Minute,
		},
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// Endpoint returns the host:port the server listens on.
func (s *Server) Endpoint() string { return s.addr }

// Config returns a storage configuration for the server.
func (s *Server) Config() storage.Config {
	return storage.Config{
		Endpoint:  s.addr,
		AccessKey: AccessKey,
		SecretKey: SecretKey,
		Region:    Region,
	}
}

// Close stops the server: it stops accepting connections, waits for active
// requests until ctx is done, then closes whatever is left. When Close
// returns, the serving goroutine has exited. The stored objects are gone.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		// ctx ended first: cut the remaining connections.
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	if s.err != nil {
		err = errors.Join(err, fmt.Errorf("embedded s3: serve: %w", s.err))
	}
	return err
}
