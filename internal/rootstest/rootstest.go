// Package rootstest holds the check, shared by the binaries' tests, that a
// binary trusts the public CAs without a CA bundle on the system.
package rootstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// rootsChildEnv marks the child process of TestPublicRootsWithoutBundle.
const rootsChildEnv = "XDNA_TEST_ROOTS_CHILD"

// PublicRootsWithoutBundle checks that the test binary, built with the
// same imports as the command under test, trusts the public CAs even where
// the system has no CA bundle, as in the FROM-scratch image: in a child
// process (the test re-run by name) whose SSL_CERT_FILE and SSL_CERT_DIR
// point nowhere, certificates of public roots verify against the default
// (system) pool. Without the x509roots/fallback import there is no pool at
// all and every TLS connection to S3 or NATS fails "certificate signed by
// unknown authority". Call it from a test named TestPublicRootsWithoutBundle.
func PublicRootsWithoutBundle(t *testing.T) {
	if os.Getenv(rootsChildEnv) == "1" {
		verifyPublicRoots(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublicRootsWithoutBundle$", "-test.v")
	cmd.Env = append(os.Environ(), rootsChildEnv+"=1", "SSL_CERT_FILE=/nonexistent/ca.pem", "SSL_CERT_DIR=/nonexistent")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "public roots verified") {
		t.Fatalf("without a CA bundle: %v\n%s", err, out)
	}
}

// verifyPublicRoots checks, in the child, that public root certificates
// verify with the default options (the system pool) and that a certificate
// of no public CA does not.
func verifyPublicRoots(t *testing.T) {
	now := time.Now()
	n := 0
	for r := range bundle.Roots() {
		c, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		if r.Constraint != nil || now.Before(c.NotBefore) || now.After(c.NotAfter) {
			continue
		}
		if _, err := c.Verify(x509.VerifyOptions{}); err != nil {
			t.Fatalf("public root %s does not verify without a CA bundle: %v", c.Subject, err)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d public roots checked", n)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not a public CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	self, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := self.Verify(x509.VerifyOptions{}); err == nil {
		t.Fatal("a self-signed certificate verified: the default pool trusts anything")
	}
	fmt.Printf("public roots verified: %d\n", n)
}
