package integration

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

// TestLeastPrivilegedWorker runs the fleet the way deploy/ ships it: NATS
// with deploy/nats/nats-server.conf, the worker as its `worker` user with
// PROVISION=false (the host provisioned as admin), and checks that jobs are
// transcribed without a single permissions violation, and that the worker
// image carries the CA bundle S3_USE_TLS needs against a public CA.
func TestLeastPrivilegedWorker(t *testing.T) {
	c := NewCluster(t, Options{Workers: 1})
	ids := JobIDs("lp", 5)
	c.Submit(ids)
	seen := c.AwaitResults("lp", len(ids), 2*time.Minute)
	for _, id := range ids {
		if rs := seen[id]; len(rs) == 0 || rs[0].Status != job.StatusSucceeded {
			t.Errorf("job %s: %+v, want succeeded", id, rs)
		}
	}
	c.CheckExactlyOnce(ids, seen)
	for _, line := range strings.Split(c.Logs(c.Workers[0].C), "\n") {
		if strings.Contains(strings.ToLower(line), "permission") {
			t.Errorf("worker log: %s", line)
		}
	}

	t.Run("CA bundle in the image", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := c.Workers[0].C.CopyFileFromContainer(ctx, "/etc/ssl/certs/ca-certificates.crt")
		if err != nil {
			t.Fatalf("the worker image has no CA bundle: %v", err)
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
			if _, err := x509.ParseCertificate(block.Bytes); err == nil {
				n++
			}
		}
		if n < 100 {
			t.Errorf("CA bundle holds %d certificates; want a public CA bundle (Debian's ca-certificates)", n)
		}
	})
}
