package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/worker"
)

// startHTTP's server goroutine ends when stop returns: nothing of it is
// left, and the address no longer answers.
func TestStartHTTPStops(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	addr, stop, err := startHTTP("127.0.0.1:0", worker.DebugHandler())
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr.String() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/debug/pprof/: %s", resp.Status)
	}
	stop()
	if _, err := client.Get("http://" + addr.String() + "/debug/pprof/"); err == nil {
		t.Fatal("the server still answers after stop")
	}
	if _, _, err := startHTTP("256.0.0.1:0", worker.DebugHandler()); err == nil {
		t.Fatal("listening on a bad address did not fail")
	}
}

// With DEBUG_ADDR the worker process serves /debug/pprof/ there and not on
// HTTP_ADDR; without it, HTTP_ADDR is the process's only listening socket.
func TestDebugAddr(t *testing.T) {
	s := newStack(t)
	t.Run("set", func(t *testing.T) {
		debug := freePort(t)
		p := s.start(map[string]string{"DEBUG_ADDR": debug})
		if code, body := httpGet(t, "http://"+debug+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
			t.Fatalf("DEBUG_ADDR /debug/pprof/: %d\n%.300s", code, body)
		}
		if code, _ := httpGet(t, "http://"+debug+"/debug/pprof/heap?debug=1"); code != http.StatusOK {
			t.Fatalf("DEBUG_ADDR /debug/pprof/heap: %d", code)
		}
		if code, _ := httpGet(t, "http://"+p.http+"/debug/pprof/"); code != http.StatusNotFound {
			t.Fatalf("HTTP_ADDR /debug/pprof/: %d, want 404", code)
		}
		if n := listeningSockets(t, p.cmd.Process.Pid); n != 2 {
			t.Fatalf("%d listening TCP sockets, want 2 (HTTP_ADDR and DEBUG_ADDR)", n)
		}
		if err := p.terminate(30e9); err != nil {
			t.Fatalf("SIGTERM: %v", err)
		}
	})
	t.Run("unset", func(t *testing.T) {
		p := s.start(nil)
		if code, _ := httpGet(t, "http://"+p.http+"/debug/pprof/"); code != http.StatusNotFound {
			t.Fatalf("HTTP_ADDR /debug/pprof/: %d, want 404", code)
		}
		if n := listeningSockets(t, p.cmd.Process.Pid); n != 1 {
			t.Fatalf("%d listening TCP sockets, want 1 (HTTP_ADDR only)", n)
		}
	})
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// listeningSockets counts the TCP sockets in state LISTEN that process pid
// holds open: its socket inodes (/proc/pid/fd) found among the listening
// entries of /proc/pid/net/tcp and tcp6.
func listeningSockets(t *testing.T, pid int) int {
	t.Helper()
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	if err != nil || len(fds) == 0 {
		t.Skipf("no /proc/%d/fd: %v", pid, err)
	}
	mine := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && fields[3] == "0A" && mine[fields[9]] {
				n++
			}
		}
		f.Close()
	}
	return n
}
