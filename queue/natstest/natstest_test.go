package natstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartRestartKeepsURLAndStore(t *testing.T) {
	srv := natstest.Start(t)
	url := srv.URL()
	js := srv.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	s, err := js.CreateStream(ctx, jetstreamConfig("T", "t.>"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.a", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = s

	srv.Restart(t)
	if srv.URL() != url {
		t.Fatalf("URL changed across restart: %s -> %s", url, srv.URL())
	}
	// A fresh deadline for what follows the restart: on a slow machine the
	// restart alone may take seconds (it flaked in CI sharing one 10 s
	// context with everything before it).
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The old client reconnects by itself; the stream and message survived.
	// Wait for the reconnect itself, not only IsConnected: under load the
	// client may not have noticed the shutdown yet, and a request written to
	// the dead connection is lost (it then waits for its reply until the
	// deadline: how this test failed in CI).
	deadline := time.Now().Add(20 * time.Second)
	for js.Conn().Stats().Reconnects == 0 || !js.Conn().IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("client did not reconnect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A request that went out in the instant of the reconnect can still be
	// lost: ask again, each time for a short while, until the deadline.
	var st jetstream.Stream
	for ctx.Err() == nil {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		st, err = js.Stream(actx, "T")
		acancel()
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetMsg(ctx, 1)
	if err != nil || string(msg.Data) != "hello" {
		t.Fatalf("message after restart: %v %q", err, msg.Data)
	}
}

func TestAuth(t *testing.T) {
	srv := natstest.Start(t, natstest.WithUser("u", "p"))
	nc := srv.Conn(t)
	if !nc.IsConnected() {
		t.Fatal("not connected")
	}
	if srv.Server() == nil {
		t.Fatal("Server() is nil while running")
	}
	srv.Shutdown()
	srv.Shutdown() // idempotent
	if srv.Server() != nil {
		t.Fatal("Server() not nil after Shutdown")
	}
}

// Restart returns only once JetStream answers: a client that connects right
// after it is served at once, with stored streams in place, every time.
func TestRestartWaitsForJetStream(t *testing.T) {
	srv := natstest.Start(t)
	js := srv.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstreamConfig("R", "r.>")); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		srv.Restart(t)
		fresh := srv.JetStream(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := fresh.Stream(ctx, "R")
		cancel()
		if err != nil {
			t.Fatalf("restart %d: JetStream not ready when Restart returned: %v", i+1, err)
		}
	}
}
