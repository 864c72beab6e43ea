package queue_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // path of its certificate, PEM
	dir  string
}

// serial numbers the certificates; tests that make them run in parallel.
var serial atomic.Int64

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	dir := t.TempDir()
	ca := &testCA{cert: cert, key: key, dir: dir, pem: filepath.Join(dir, name+"-ca.pem")}
	writePEM(t, ca.pem, "CERTIFICATE", der)
	return ca
}

// issue signs a leaf certificate (server: for 127.0.0.1 and localhost) and
// returns it as a tls.Certificate and as PEM files.
func (ca *testCA) issue(t *testing.T, cn string, server bool) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(ca.dir, cn+".pem"), filepath.Join(ca.dir, cn+"-key.pem")
	writePEM(t, certPath, "CERTIFICATE", der)
	writePEM(t, keyPath, "EC PRIVATE KEY", kder)
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certPath, keyPath
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsServer starts a NATS server whose certificate is signed by ca and that
// requires client certificates signed by ca.
func tlsServer(t *testing.T, ca *testCA, opts ...natstest.Option) *natstest.Server {
	t.Helper()
	srvCert, _, _ := ca.issue(t, "nats-server", true)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	tc := &tls.Config{
		Certificates: []tls.Certificate{srvCert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	}
	return natstest.Start(t, append([]natstest.Option{natstest.WithTLS(tc)}, opts...)...)
}

// Item 15 of issue 8: NATS_TLS_CA, NATS_TLS_CERT and NATS_TLS_KEY against a
// real server that requires client certificates. The connection succeeds
// only with the right CA and a client certificate the server trusts.
func TestConnectTLSClientCertificates(t *testing.T) {
	t.Parallel()
	ca, other := newCA(t, "fleet"), newCA(t, "other")
	srv := tlsServer(t, ca)
	_, cert, key := ca.issue(t, "worker", false)
	_, otherCert, otherKey := other.issue(t, "intruder", false)
	if !strings.HasPrefix(srv.URL(), "tls://") {
		t.Fatalf("URL %s of a TLS server", srv.URL())
	}
	for name, tc := range map[string]struct {
		cfg queue.Config
		ok  bool
	}{
		"right CA and certificate":       {queue.Config{TLSCA: ca.pem, TLSCert: cert, TLSKey: key}, true},
		"no client certificate":          {queue.Config{TLSCA: ca.pem}, false},
		"wrong CA":                       {queue.Config{TLSCA: other.pem, TLSCert: cert, TLSKey: key}, false},
		"certificate of another CA":      {queue.Config{TLSCA: ca.pem, TLSCert: otherCert, TLSKey: otherKey}, false},
		"no CA (system roots)":           {queue.Config{TLSCert: cert, TLSKey: key}, false},
		"right CA, plain nats:// scheme": {queue.Config{URL: strings.Replace(srv.URL(), "tls://", "nats://", 1), TLSCA: ca.pem, TLSCert: cert, TLSKey: key}, true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			if cfg.URL == "" {
				cfg.URL = srv.URL()
			}
			log, logs := capture()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			nc, err := queue.Connect(ctx, cfg, queue.ConnectLogger(log),
				queue.ConnectNATSOptions(nats.ReconnectWait(100*time.Millisecond)))
			if !tc.ok {
				if err == nil {
					nc.Close()
					t.Fatal("connected")
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v", err)
				}
				// Why it does not connect is logged, once, at WARN.
				if !strings.Contains(logs.String(), "level=WARN msg=\"cannot connect") {
					t.Fatalf("the failure is not logged as a warning:\n%s", logs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			st, err := nc.TLSConnectionState()
			if err != nil || len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "nats-server" {
				t.Fatalf("not a verified TLS connection: %v", err)
			}
			// And JetStream works over it.
			if _, err := nc.RTT(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// NATS_TLS_CERT and NATS_TLS_KEY go together.
func TestConfigTLSPair(t *testing.T) {
	t.Parallel()
	for _, c := range []queue.Config{{TLSCert: "c.pem"}, {TLSKey: "k.pem"}} {
		if err := c.WithDefaults().Validate(); !errors.Is(err, queue.ErrInvalidConfig) || !strings.Contains(err.Error(), "TLSKey") {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
}

// Item 15 of issue 8: a warning at start when credentials would travel to
// a server without TLS; none over TLS or without credentials.
func TestConnectWarnsCredentialsWithoutTLS(t *testing.T) {
	t.Parallel()
	const warning = "without TLS"
	connect := func(t *testing.T, srv *natstest.Server, cfg queue.Config) string {
		t.Helper()
		log, logs := capture()
		if cfg.URL == "" {
			cfg.URL = srv.URL()
		}
		nc, err := queue.Connect(testCtx(t), cfg, queue.ConnectLogger(log))
		if err != nil {
			t.Fatal(err)
		}
		nc.Close()
		return logs.String()
	}
	plainUser := natstest.Start(t, natstest.WithUser("alice", "hunter2"))
	if out := connect(t, plainUser, queue.Config{User: "alice", Password: "hunter2"}); !strings.Contains(out, warning) || !strings.Contains(out, "level=WARN") {
		t.Errorf("user/password over plain TCP, no warning:\n%s", out)
	}
	url := "alice:hunter2@" + strings.TrimPrefix(plainUser.URL(), "nats://")
	if out := connect(t, plainUser, queue.Config{URL: url}); !strings.Contains(out, warning) || strings.Contains(out, "hunter2") {
		t.Errorf("password in the URL over plain TCP, no warning (or a leak):\n%s", out)
	}
	plainToken := natstest.Start(t, natstest.WithToken("s3cr3t"))
	if out := connect(t, plainToken, queue.Config{Token: "s3cr3t"}); !strings.Contains(out, warning) {
		t.Errorf("token over plain TCP, no warning:\n%s", out)
	}
	open := natstest.Start(t)
	if out := connect(t, open, queue.Config{}); strings.Contains(out, warning) {
		t.Errorf("warning without credentials:\n%s", out)
	}
	ca := newCA(t, "warn")
	_, cert, key := ca.issue(t, "worker", false)
	tlsUser := tlsServer(t, ca, natstest.WithUser("alice", "hunter2"))
	if out := connect(t, tlsUser, queue.Config{User: "alice", Password: "hunter2", TLSCA: ca.pem, TLSCert: cert, TLSKey: key}); strings.Contains(out, warning) {
		t.Errorf("warning over TLS:\n%s", out)
	}
}
