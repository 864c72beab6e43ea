// Package natstest runs a real NATS server with JetStream inside the test
// process, the way net/http/httptest runs an HTTP server.
//
//	srv := natstest.Start(t)
//	js := srv.JetStream(t)
//
// Each server listens on 127.0.0.1 on a port picked at first start and keeps
// its file store in t.TempDir(); Restart brings it back on the same URL with
// the same store, so clients reconnect and persisted messages survive.
// Everything is shut down by t.Cleanup.
package natstest

import (
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyTimeout bounds how long Start and Restart wait for the server.
const readyTimeout = 10 * time.Second

// Option adjusts the server options before a start.
type Option func(*server.Options)

// WithUser requires clients to authenticate with user and password.
func WithUser(user, password string) Option {
	return func(o *server.Options) { o.Username, o.Password = user, password }
}

// WithToken requires clients to authenticate with token.
func WithToken(token string) Option {
	return func(o *server.Options) { o.Authorization = token }
}

// WithTLS makes the server speak TLS only, with tc (its certificate; set
// tc.ClientAuth and tc.ClientCAs to require client certificates). URL then
// has the tls:// scheme, and clients need the matching nats.go options.
func WithTLS(tc *tls.Config) Option {
	return func(o *server.Options) {
		o.TLS, o.TLSConfig, o.TLSTimeout = true, tc, 2
		o.TLSVerify = tc.ClientAuth == tls.RequireAndVerifyClientCert
	}
}

// WithMaxPayload sets the largest message the server accepts (default
// 1 MiB).
func WithMaxPayload(n int32) Option {
	return func(o *server.Options) { o.MaxPayload = n }
}

// WithOptions applies fn to the server options.
func WithOptions(fn func(*server.Options)) Option { return fn }

// Server is an embedded NATS server with JetStream.
type Server struct {
	mu   sync.Mutex
	opts server.Options // template; Port is fixed after the first start
	srv  *server.Server // nil while shut down
}

// Start runs a server for the duration of t and fails t if it cannot.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := server.Options{
		ServerName: "natstest",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		NoLog:      true,
		NoSigs:     true,
		JetStream:  true,
		StoreDir:   t.TempDir(),
		// Keep test servers small; the defaults size to the machine.
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  1 << 30,
	}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{opts: o}
	if err := s.start(); err != nil {
		t.Fatalf("natstest: start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	o := s.opts.Clone()
	srv, err := server.NewServer(o)
	if err != nil {
		return err
	}
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) || !jetStreamReady(srv, o) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return errNotReady
	}
	if s.opts.Port == server.RANDOM_PORT {
		s.opts.Port = srv.Addr().(*net.TCPAddr).Port
	}
	s.srv = srv
	return nil
}

var errNotReady = errors.New("natstest: server not ready in time")

// jetStreamReady waits until the server's JetStream is up, its stored
// streams recovered and its API answering in the default account, so that
// a client's first JetStream request after Start or Restart is served
// (ReadyForConnections only waits for the listener).
func jetStreamReady(srv *server.Server, o *server.Options) bool {
	if !o.JetStream {
		return true
	}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if srv.JetStreamEnabled() && (len(o.Accounts) > 0 || srv.GlobalAccount().JetStreamEnabled()) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// URL is the client URL, stable across restarts.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	scheme := "nats://"
	if s.opts.TLSConfig != nil {
		scheme = "tls://"
	}
	return scheme + net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port))
}

// Server returns the running nats-server, or nil while shut down.
func (s *Server) Server() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// Shutdown stops the server and waits until it has stopped. It is a no-op
// when the server is not running.
func (s *Server) Shutdown() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Shutdown()
	srv.WaitForShutdown()
}

// Restart shuts the server down, if it runs, and starts it again on the same
// port with the same store directory. It fails t if the server does not come
// back.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Shutdown()
	var err error
	// The port was just released; give the kernel a moment if it is slow to
	// hand it back.
	for range 50 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("natstest: restart: %v", err)
}

// Conn connects a client that reconnects forever with a short wait, and
// closes it in t.Cleanup.
func (s *Server) Conn(t testing.TB, opts ...nats.Option) *nats.Conn {
	t.Helper()
	all := append([]nats.Option{
		nats.Name("natstest"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(50 * time.Millisecond),
	}, opts...)
	if s.opts.Username != "" {
		all = append(all, nats.UserInfo(s.opts.Username, s.opts.Password))
	}
	if s.opts.Authorization != "" {
		all = append(all, nats.Token(s.opts.Authorization))
	}
	nc, err := nats.Connect(s.URL(), all...)
	if err != nil {
		t.Fatalf("natstest: connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// JetStream returns a JetStream client over a new Conn.
func (s *Server) JetStream(t testing.TB, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(s.Conn(t, opts...))
	if err != nil {
		t.Fatalf("natstest: jetstream: %v", err)
	}
	return js
}
