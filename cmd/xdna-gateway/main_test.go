package main

import (
	"bytes"
	"strings"
	"testing"
)

// A bad configuration exits 2 and names every problem; secrets are not
// printed.
func TestBadConfigExits2(t *testing.T) {
	t.Setenv("GATEWAY_MAX_UPLOAD_BYTES", "0")
	t.Setenv("GATEWAY_MODELS", "bad model")
	t.Setenv("S3_SECRET_KEY", "s3-secret-value")
	var stderr bytes.Buffer
	if code := run(t.Context(), nil, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, stderr.String())
	}
	out := stderr.String()
	if !strings.Contains(out, "GATEWAY_MAX_UPLOAD_BYTES") || !strings.Contains(out, "GATEWAY_MODELS") || strings.Contains(out, "s3-secret-value") {
		t.Fatalf("%s", out)
	}
}

func TestUnknownArgumentExits2(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"serve-everything"}, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, stderr.String())
	}
}
