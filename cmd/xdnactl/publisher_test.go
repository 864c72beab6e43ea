package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
	"github.com/xdna-worker/xdna-worker/storage/miniotest"
)

// shippedNATSConf is the NATS users and permissions file compose uses.
const shippedNATSConf = "../../deploy/nats/nats-server.conf"

// natsRolePassword is the test password of a user of shippedNATSConf.
func natsRolePassword(role string) string { return "ctl-test-" + role }

// startShippedNATS runs an embedded NATS server configured by the shipped
// users and permissions file, with test passwords defined in front of a
// copy of it (the server reads them from its environment in compose).
func startShippedNATS(t *testing.T) *natstest.Server {
	t.Helper()
	conf, err := os.ReadFile(shippedNATSConf)
	if err != nil {
		t.Fatal(err)
	}
	var head strings.Builder
	for _, role := range []string{"publisher", "reader", "worker", "minio", "admin"} {
		fmt.Fprintf(&head, "XDNA_NATS_%s_PASSWORD: %q\n", strings.ToUpper(role), natsRolePassword(role))
	}
	path := filepath.Join(t.TempDir(), "nats-server.conf")
	if err := os.WriteFile(path, append([]byte(head.String()), conf...), 0o600); err != nil {
		t.Fatal(err)
	}
	fo, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("%s: %v", shippedNATSConf, err)
	}
	return natstest.Start(t, natstest.WithOptions(func(o *server.Options) {
		keep := *o
		*o = *fo
		o.ServerName, o.Host, o.Port, o.NoLog, o.NoSigs = keep.ServerName, keep.Host, keep.Port, keep.NoLog, keep.NoSigs
		o.JetStream, o.StoreDir, o.JetStreamMaxMemory, o.JetStreamMaxStore = true, keep.StoreDir, keep.JetStreamMaxMemory, 16<<30
	}))
}

// `xdnactl submit` and `loadtest` run as the least-privileged publisher
// user of deploy/nats, which may publish jobs and read results but neither
// manage nor inspect JOBS: with PROVISION=false they publish into the
// streams an operator created, and with the default PROVISION=true they
// fail saying how to run instead. (They used to call queue.Provision
// unconditionally, so the publisher user could not submit at all.)
func TestSubmitAsPublisher(t *testing.T) {
	ns, mn := startShippedNATS(t), miniotest.Start(t)
	sc := mn.Config()

	// The operator (admin) provisions; the worker runs as admin too: this
	// test is about the client's rights, deploy/nats_test.go about the
	// worker's.
	wenv := map[string]string{
		"NATS_URL": ns.URL(), "NATS_USER": "admin", "NATS_PASSWORD": natsRolePassword("admin"),
		"S3_ENDPOINT": sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
		"XDNA_DEVICE": "sim", "XDNA_SIM_WINDOW_MS": "5", "WORKER_ID": "ctl-publisher-test", "XDNA_TEMP_DIR": t.TempDir(),
		"UPLOADS_ENABLED": "false",
	}
	runWorker(t, wenv)

	for k, v := range map[string]string{
		"NATS_URL": ns.URL(), "NATS_USER": "publisher", "NATS_PASSWORD": natsRolePassword("publisher"),
		"NATS_INBOX_PREFIX": "_INBOX_publisher",
		"S3_ENDPOINT":       sc.Endpoint, "S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
	} {
		t.Setenv(k, v)
	}
	a := writeWAV(t, "pub.wav", 1)
	rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
	defer rcancel()

	// Default PROVISION=true: the publisher may not manage streams; the
	// error says what to do.
	code, stdout, stderr := ctl(t, "submit", a)
	if code == 0 || !strings.Contains(stderr, "PROVISION=false") || !strings.Contains(stderr, "permission") {
		t.Fatalf("submit as publisher with PROVISION=true: exit %d, want a failure naming the permission and PROVISION=false\n%s%s", code, stdout, stderr)
	}

	t.Setenv("PROVISION", "false")
	var out, errOut strings.Builder
	if code := run(rctx, []string{"submit", a, "--wait"}, &out, &errOut); code != 0 {
		t.Fatalf("submit --wait as publisher with PROVISION=false: exit %d\n%s", code, errOut.String())
	}
	var r job.Result
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil || r.Status != job.StatusSucceeded {
		t.Fatalf("result %q: %v", out.String(), err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(rctx, []string{"loadtest", a, "--jobs", "3", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("loadtest as publisher with PROVISION=false: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	// With nothing provisioned, the publish error says why.
	ns2 := startShippedNATS(t)
	t.Setenv("NATS_URL", ns2.URL())
	code, stdout, stderr = ctl(t, "submit", a)
	if code == 0 || !strings.Contains(stderr, "no stream captures") || !strings.Contains(stderr, "xdna-provision") {
		t.Fatalf("submit with no JOBS stream: exit %d\n%s%s", code, stdout, stderr)
	}
}
