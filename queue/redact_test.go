package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// Item 14 of issue 8: a secret in NATS_URL never reaches a log line, a
// printed config or an error, whatever form the URL takes.
func TestURLRedactionEveryForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url     string
		secrets []string
		keep    []string // what must still be there
	}{
		{"u:pw1@host:4222", []string{"pw1"}, []string{"u", "host:4222"}},
		{"nats://u:pw2@host:4222", []string{"pw2"}, []string{"u", "host:4222"}},
		{"tls://u:pw3@host:4222", []string{"pw3"}, []string{"tls://", "host:4222"}},
		{"tok4@host:4222", []string{"tok4"}, []string{"host:4222"}},
		{"nats://tok5@host:4222", []string{"tok5"}, []string{"host:4222"}},
		{"u:p%40ss6@host:4222", []string{"p%40ss6", "p@ss6"}, []string{"host:4222"}},
		{"u:p@ss7@host:4222", []string{"p@ss7", "ss7"}, []string{"host:4222"}},
		{"u:pw8@[::1]:4222", []string{"pw8"}, []string{"[::1]:4222"}},
		{"ws://u:pw9@host:8080/path", []string{"pw9"}, []string{"host:8080"}},
		{"u:pwA@h1:4222,u2:pwB@h2:4222", []string{"pwA", "pwB"}, []string{"h1:4222", "h2:4222"}},
		{" nats://u:pwC@h1:4222 , tokD@h2:4222 ,h3:4222", []string{"pwC", "tokD"}, []string{"h1:4222", "h2:4222", "h3:4222"}},
		{"nats://h1:4222,u:pwE@h2", []string{"pwE"}, []string{"nats://h1:4222", "h2"}},
		{"u:pw%zzF@host:4222", []string{"pw%zzF", "zzF"}, []string{"host:4222"}},
		{"nats://:pwG@host:4222", []string{"pwG"}, []string{"host:4222"}},
	} {
		c := queue.Config{URL: tc.url}.WithDefaults()
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "nats", c)
		for name, out := range map[string]string{"String": c.String(), "LogValue": buf.String(), "Text": slogText(c), "Sprintf": fmt.Sprintf("%v %+v %s", c, c, c)} {
			for _, s := range tc.secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s of %q leaks %q: %s", name, tc.url, s, out)
				}
			}
			for _, k := range tc.keep {
				if !strings.Contains(out, k) {
					t.Errorf("%s of %q lost %q: %s", name, tc.url, k, out)
				}
			}
		}
	}
}

// Connect's errors and log lines carry no password either, for a URL
// without a scheme.
func TestConnectDoesNotLeakURLPassword(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	log, logs := capture()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = queue.Connect(ctx, queue.Config{URL: "alice:hunter2@" + addr}, queue.ConnectLogger(log),
		queue.ConnectNATSOptions(nats.ReconnectWait(20*time.Millisecond)))
	if err == nil {
		t.Fatal("connected to nothing")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
	if s := logs.String(); strings.Contains(s, "hunter2") {
		t.Errorf("logs leak the password: %s", s)
	}
}

// A successful connection's log lines ("connected", "reconnected") do not
// carry the URL's token or password either.
func TestConnectLogsNoURLSecret(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opt      natstest.Option
		userinfo string
	}{
		"token":    {natstest.WithToken("s3cr3ttok"), "s3cr3ttok@"},
		"password": {natstest.WithUser("alice", "hunter2pw"), "alice:hunter2pw@"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := natstest.Start(t, tc.opt)
			log, logs := capture()
			url := tc.userinfo + strings.TrimPrefix(srv.URL(), "nats://") // no scheme
			nc, err := queue.Connect(testCtx(t), queue.Config{URL: url}, queue.ConnectLogger(log))
			if err != nil {
				t.Fatal(err)
			}
			srv.Restart(t) // a reconnect logs the URL again
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), "reconnected") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			nc.Close()
			out := logs.String()
			if !strings.Contains(out, "reconnected") {
				t.Fatalf("no reconnect logged: %s", out)
			}
			if strings.Contains(out, "s3cr3ttok") || strings.Contains(out, "hunter2pw") {
				t.Fatalf("logs leak the URL's secret: %s", out)
			}
		})
	}
}
