package healthcheck

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	ctx := context.Background()
	for _, c := range []struct {
		addr    string // the variable's value; "" unset: the default
		healthy bool
		want    int
		msg     string
	}{
		{":" + port, true, 0, ""},        // every interface: asked on loopback
		{"0.0.0.0:" + port, true, 0, ""}, // the same
		{"127.0.0.1:" + port, false, 1, "status 503"},
		{"", true, 1, "healthcheck:"},     // the default, where nothing listens
		{"no-port", true, 2, "TEST_ADDR"}, // not an address
	} {
		healthy = c.healthy
		t.Setenv("TEST_ADDR", c.addr)
		var stderr bytes.Buffer
		if got := Run(ctx, "TEST_ADDR", "127.0.0.1:1", &stderr); got != c.want || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("addr %q healthy %v: Run = %d (%q), want %d (%q)", c.addr, c.healthy, got, stderr.String(), c.want, c.msg)
		}
	}
}
