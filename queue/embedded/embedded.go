// Package embedded runs a NATS server with JetStream inside the process, for
// the demo command: no external services needed.
package embedded

import (
	"errors"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an in-process NATS server with JetStream on a loopback port.
type Server struct {
	ns  *server.Server
	dir string
}

// Start starts the server with its JetStream store in a fresh temporary
// directory, and waits until it accepts connections.
func Start() (*Server, error) {
	dir, err := os.MkdirTemp("", "xdna-demo-nats-*")
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		os.RemoveAll(dir)
		return nil, errors.New("embedded nats: not ready after 10s")
	}
	return &Server{ns: ns, dir: dir}, nil
}

// URL is the client URL of the server.
func (s *Server) URL() string { return s.ns.ClientURL() }

// Close shuts the server down and removes its store.
func (s *Server) Close() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	os.RemoveAll(s.dir)
}
