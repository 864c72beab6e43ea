// Package miniotest runs a real MinIO server for tests, in the spirit of
// net/http/httptest.
//
// The server is the minio binary, found in this order: $MINIO_BIN, "minio"
// on PATH, $(go env GOPATH)/bin/minio, <module root>/bin/minio. Install it
// with
//
//	go install github.com/minio/minio@latest
//
// (or `make tools`). Without a binary, Start skips the test, or fails it
// when the CI environment variable is set, so that CI cannot silently skip
// storage tests.
package miniotest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/xdna-worker/xdna-worker/storage"
)

// Credentials of the root user of every test server.
const (
	RootUser     = "miniotest"
	RootPassword = "miniotest-secret"
)

// Region the test servers run in (MinIO's default).
const Region = "us-east-1"

// ReadyTimeout bounds how long Start and Restart wait for the server to
// answer its health checks.
const ReadyTimeout = 30 * time.Second

// Server is a running MinIO server owned by one test. Its data directory and
// ports stay the same across Stop and Restart, so objects survive an outage.
type Server struct {
	bin     string
	dir     string // data directory
	certs   string
	logPath string
	addr    string // S3 API host:port
	console string // console host:port
	env     []string
	tls     bool
	caFile  string         // PEM of the CA that signed the server's certificate (WithTLS)
	roots   *x509.CertPool // that CA, for the readiness checks

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of the binary.
type process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed when cmd.Wait has returned
	err  error         // cmd.Wait's result, valid after done
}

// Option configures a test server.
type Option func(*Server)

// WithEnv adds MINIO_* settings ("KEY=value") to the server's environment,
// for instance a bucket notification target:
//
//	miniotest.WithEnv("MINIO_NOTIFY_NATS_ENABLE_XDNA=on", ...)
func WithEnv(kv ...string) Option {
	return func(s *Server) { s.env = append(s.env, kv...) }
}

// WithTLS makes the server speak https only, with a certificate for
// 127.0.0.1, ::1 and localhost signed by a CA made for the test (MinIO reads
// them from its --certs-dir as public.crt and private.key). CAFile names the
// CA's PEM file; Config sets UseTLS and TLSCA to it.
func WithTLS() Option {
	return func(s *Server) { s.tls = true }
}

// Start runs a MinIO server on free loopback ports with a fresh data
// directory and waits until it is ready. The server is stopped, and its
// process reaped, when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := FindBinary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("miniotest: %v", err)
		} else {
			t.Skipf("miniotest: %v", err)
		}
		return nil
	}
	base := t.TempDir() // registered before Stop, so removed after it
	s := &Server{
		bin:     bin,
		dir:     filepath.Join(base, "data"),
		certs:   filepath.Join(base, "certs"),
		logPath: filepath.Join(base, "minio.log"),
	}
	for _, o := range opts {
		o(s)
	}
	if s.tls {
		ca, err := writeTestCerts(s.certs, filepath.Join(base, "ca.pem"))
		if err != nil {
			t.Fatalf("miniotest: certificates: %v", err)
			return nil
		}
		s.caFile, s.roots = filepath.Join(base, "ca.pem"), ca
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("miniotest: %s", s.logTail())
		}
	})

	// A free port can be taken by someone else between probing and
	// binding; try a few pairs.
	for attempt := 1; ; attempt++ {
		s.addr, s.console = freeAddr(t), freeAddr(t)
		err = s.start()
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("miniotest: %v\n%s", err, s.logTail())
			return nil
		}
		t.Logf("miniotest: attempt %d: %v; retrying on other ports", attempt, err)
	}
}

// Restart starts the server again after Stop, on the same address and data
// directory, and waits until it is ready. Restarting a running server stops
// it first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		t.Fatalf("miniotest: restart: %v\n%s", err, s.logTail())
	}
}

// Stop kills the server (as a crash would) and waits for the process to
// exit. It is a no-op on a stopped server.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// Endpoint returns the host:port of the S3 API.
func (s *Server) Endpoint() string { return s.addr }

// URL returns the base URL of the S3 API.
func (s *Server) URL() string { return s.scheme() + "://" + s.addr }

func (s *Server) scheme() string {
	if s.tls {
		return "https"
	}
	return "http"
}

// CAFile returns the path of the PEM file of the CA that signed the
// server's certificate, or "" for a server without WithTLS.
func (s *Server) CAFile() string { return s.caFile }

// Config returns a storage configuration for the server, as its root user.
// For a server started WithTLS it selects TLS and trusts the test's CA.
func (s *Server) Config() storage.Config {
	return storage.Config{
		Endpoint:  s.addr,
		AccessKey: RootUser,
		SecretKey: RootPassword,
		Region:    Region,
		UseTLS:    s.tls,
		TLSCA:     s.caFile,
	}
}

// Client returns a storage client for the server whose idle connections are
// closed when the test ends.
func (s *Server) Client(t testing.TB) *storage.Client {
	t.Helper()
	c, err := storage.New(s.Config())
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// LogPath returns the file the server's output goes to.
func (s *Server) LogPath() string { return s.logPath }

// start runs the binary and waits for readiness. On failure the process is
// stopped again.
func (s *Server) start() error {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "==== miniotest: %s server --address %s\n", time.Now().Format(time.RFC3339Nano), s.addr)
	cmd := exec.Command(s.bin, "server", s.dir,
		"--address", s.addr,
		"--console-address", s.console,
		"--certs-dir", s.certs,
		"--quiet")
	cmd.Env = append(environ(),
		"MINIO_ROOT_USER="+RootUser,
		"MINIO_ROOT_PASSWORD="+RootPassword,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
	)
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Stdout, cmd.Stderr = log, log // *os.File: no copying goroutines
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()

	if err := waitReady(p, s.URL(), s.roots, ReadyTimeout); err != nil {
		p.stop()
		return err
	}
	if err := waitS3(p, s.addr, s.roots, ReadyTimeout); err != nil {
		p.stop()
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// stop kills the process and reaps it.
func (p *process) stop() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// waitReady polls the liveness and then the readiness endpoint until both
// answer 200, the process exits, or timeout passes. roots, when not nil,
// are the CAs an https server's certificate is checked against.
func waitReady(p *process, base string, roots *x509.CertPool, timeout time.Duration) error {
	tr := &http.Transport{DisableKeepAlives: true}
	if roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Second}
	ok := func(path string) bool {
		resp, err := hc.Get(base + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}

	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok("/minio/health/live") && ok("/minio/health/ready") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio at %s not ready after %v", base, timeout)
		}
		select {
		case <-p.done:
			return fmt.Errorf("minio exited before it was ready: %v", p.err)
		case <-tick.C:
		}
	}
}

// waitS3 waits until the S3 API itself serves a signed request: on a loaded
// machine MinIO reports ready a moment before its object layer is
// initialised, and requests in between fail with XMinioServerNotInitialized.
func waitS3(p *process, addr string, roots *x509.CertPool, timeout time.Duration) error {
	opts := &minio.Options{Creds: credentials.NewStaticV4(RootUser, RootPassword, ""), Region: Region}
	if roots != nil {
		tr, err := minio.DefaultTransport(true)
		if err != nil {
			return err
		}
		tr.TLSClientConfig.RootCAs = roots
		defer tr.CloseIdleConnections()
		opts.Secure, opts.Transport = true, tr
	}
	mc, err := minio.New(addr, opts)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := mc.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio at %s does not serve S3 after %v: %v", addr, timeout, err)
		}
		select {
		case <-p.done:
			return fmt.Errorf("minio exited before it served S3: %v", p.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logTail returns the end of the server's output for failure messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no minio log: " + err.Error() + ")"
	}
	const max = 4 << 10
	if len(b) > max {
		b = append([]byte("..."), b[len(b)-max:]...)
	}
	return "minio log (" + s.logPath + "):\n" + string(bytes.TrimSpace(b))
}

// environ is the test's environment without MINIO_* variables, so that a
// developer's own MinIO settings cannot leak into the test server.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("miniotest: find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ErrNoBinary is returned by FindBinary when no minio binary exists.
var ErrNoBinary = errors.New("no minio binary found")

// FindBinary returns the path of the minio binary: $MINIO_BIN, then
// "minio" on PATH, then $(go env GOPATH)/bin/minio, then <module
// root>/bin/minio. The error, wrapping ErrNoBinary, says how to install it.
func FindBinary() (string, error) {
	if bin := os.Getenv("MINIO_BIN"); bin != "" {
		if isExecutable(bin) {
			return bin, nil
		}
		return "", fmt.Errorf("%w: MINIO_BIN=%s is not an executable file; %s", ErrNoBinary, bin, installHint)
	}
	if bin, err := exec.LookPath("minio"); err == nil {
		return bin, nil
	}
	var candidates []string
	for _, dir := range filepath.SplitList(goPath()) {
		candidates = append(candidates, filepath.Join(dir, "bin", "minio"))
	}
	if root := moduleRoot(); root != "" {
		candidates = append(candidates, filepath.Join(root, "bin", "minio"))
	}
	for _, bin := range candidates {
		if isExecutable(bin) {
			return bin, nil
		}
	}
	return "", fmt.Errorf("%w (looked at $MINIO_BIN, PATH, %s); %s",
		ErrNoBinary, strings.Join(candidates, ", "), installHint)
}

const installHint = "run `make tools` (or `go install github.com/minio/minio@latest`) to install it"

// goPath returns $(go env GOPATH), falling back to $GOPATH and ~/go when the
// go command is not available.
func goPath() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOPATH").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			return p
		}
	}
	if p := os.Getenv("GOPATH"); p != "" {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go")
	}
	return ""
}

// moduleRoot returns the nearest directory at or above the working directory
// (a test's package directory) that holds a go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
