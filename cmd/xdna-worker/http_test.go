package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The worker's HTTP server sets every timeout (item 16: it had only
// ReadHeaderTimeout, so an idle keep-alive client or one that never reads
// its response held a connection and a goroutine for ever), and each one
// really cuts a client that overstays it.
func TestHTTPServerTimeouts(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv := newHTTPServer(http.NotFoundHandler(), defaultHTTPTimeouts)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("default %s = %v, want a bound between 0 and 5m", name, d)
		}
	}
	if srv.WriteTimeout < 30*time.Second {
		t.Errorf("WriteTimeout %v is shorter than a Prometheus scrape may take", srv.WriteTimeout)
	}

	const short = 200 * time.Millisecond
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(4 * short):
		case <-r.Context().Done():
		}
		io.WriteString(w, "late")
	})
	srv = newHTTPServer(mux, httpTimeouts{ReadHeader: short, Read: 2 * short, Write: 2 * short, Idle: short})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()

	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second)) // a server that never cuts fails the test here
		return c
	}
	// closedWithin reads until the server closes the connection and says
	// how long that took.
	closedWithin := func(t *testing.T, c net.Conn, r io.Reader, start time.Time) time.Duration {
		t.Helper()
		_, err := io.Copy(io.Discard, r)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept the connection open for 5 s")
		}
		return time.Since(start)
	}

	t.Run("headers never finished", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: x\r\n") // no blank line: the headers never end
		if d := closedWithin(t, c, c, start); d > 3*time.Second {
			t.Fatalf("cut after %v", d)
		}
	})
	t.Run("idle keep-alive connection", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" || resp.Close {
			t.Fatalf("%s %q close=%v", resp.Status, body, resp.Close)
		}
		if d := closedWithin(t, c, br, time.Now()); d > 3*time.Second {
			t.Fatalf("idle connection closed after %v", d)
		}
	})
	t.Run("response later than the write timeout", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
		got, _ := io.ReadAll(c)
		if strings.Contains(string(got), "late") {
			t.Fatalf("a response written after WriteTimeout reached the client: %q", got)
		}
	})
}
