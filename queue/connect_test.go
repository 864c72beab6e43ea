package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

func TestConnectAuth(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opt natstest.Option
		cfg queue.Config
	}{
		"user":  {natstest.WithUser("alice", "hunter2"), queue.Config{User: "alice", Password: "hunter2"}},
		"token": {natstest.WithToken("s3cr3t"), queue.Config{Token: "s3cr3t"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := natstest.Start(t, tc.opt)
			cfg := tc.cfg
			cfg.URL, cfg.Name = srv.URL(), "test-"+name
			nc, err := queue.Connect(testCtx(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if !nc.IsConnected() {
				t.Fatal("Connect returned a connection that is not up")
			}
		})
	}
}

// A worker may start before the server: Connect waits for it.
func TestConnectWaitsForServer(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	srv.Shutdown()

	type res struct {
		nc  *nats.Conn
		err error
	}
	done := make(chan res, 1)
	go func() {
		nc, err := queue.Connect(testCtx(t), queue.Config{URL: srv.URL()},
			queue.ConnectNATSOptions(nats.ReconnectWait(50*time.Millisecond)))
		done <- res{nc, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Connect returned before the server started: %v", r.err)
	case <-time.After(300 * time.Millisecond):
	}
	srv.Restart(t)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.nc.Close()
	if !r.nc.IsConnected() {
		t.Fatal("not connected")
	}
}

func TestConnectGivesUpWithContext(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	srv.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := queue.Connect(ctx, queue.Config{URL: srv.URL()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}
