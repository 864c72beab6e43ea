package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/xdna-worker/xdna-worker/storage"
)

func TestConfigFromEnv(t *testing.T) {
	cfg, err := env.ParseAsWithOptions[storage.Config](env.Options{Environment: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StallTimeout != storage.DefaultStallTimeout || cfg.TLSCA != "" {
		t.Errorf("defaults: S3_STALL_TIMEOUT %v, S3_TLS_CA %q; want %v and none", cfg.StallTimeout, cfg.TLSCA, storage.DefaultStallTimeout)
	}
	cfg, err = env.ParseAsWithOptions[storage.Config](env.Options{Environment: map[string]string{
		"S3_STALL_TIMEOUT": "5s", "S3_TLS_CA": "/etc/xdna/s3-ca.pem", "S3_USE_TLS": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StallTimeout != 5*time.Second || cfg.TLSCA != "/etc/xdna/s3-ca.pem" {
		t.Errorf("S3_STALL_TIMEOUT %v, S3_TLS_CA %q", cfg.StallTimeout, cfg.TLSCA)
	}
}

func TestConfigValidate(t *testing.T) {
	ca := writeFile(t, "not a certificate")
	for _, tt := range []struct {
		name string
		cfg  storage.Config
		want string // in the error; "" for none
	}{
		{"plain", storage.Config{Endpoint: "minio:9000"}, ""},
		{"negative retries", storage.Config{Endpoint: "minio:9000", MaxRetries: -1}, "S3_MAX_RETRIES"},
		{"negative stall", storage.Config{Endpoint: "minio:9000", StallTimeout: -time.Second}, "S3_STALL_TIMEOUT"},
		{"CA without TLS", storage.Config{Endpoint: "minio:9000", TLSCA: ca}, "S3_USE_TLS"},
		{"CA not PEM", storage.Config{Endpoint: "minio:9000", UseTLS: true, TLSCA: ca}, "S3_TLS_CA"},
	} {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v; want an error naming %s", tt.name, err, tt.want)
		}
	}
}

// TestConfigWarnings covers issue 8 item 15: credentials sent over plain
// http to anything but loopback get a warning at start-up.
func TestConfigWarnings(t *testing.T) {
	for _, tt := range []struct {
		cfg  storage.Config
		warn bool
	}{
		{storage.Config{Endpoint: "minio:9000", AccessKey: "k", SecretKey: "sekrit-42"}, true},
		{storage.Config{Endpoint: "http://s3.example.com", AccessKey: "k", SecretKey: "sekrit-42", UseTLS: true}, true},
		{storage.Config{Endpoint: "10.0.0.7:9000", AccessKey: "k", SecretKey: "sekrit-42"}, true},
		{storage.Config{Endpoint: "[2001:db8::1]:9000", AccessKey: "k", SecretKey: "sekrit-42"}, true},
		{storage.Config{Endpoint: "127.0.0.1:9000", AccessKey: "k", SecretKey: "sekrit-42"}, false},
		{storage.Config{Endpoint: "127.8.9.10:9000", AccessKey: "k", SecretKey: "sekrit-42"}, false},
		{storage.Config{Endpoint: "localhost:9000", AccessKey: "k", SecretKey: "sekrit-42"}, false},
		{storage.Config{Endpoint: "[::1]:9000", AccessKey: "k", SecretKey: "sekrit-42"}, false},
		{storage.Config{Endpoint: "minio:9000", AccessKey: "k", SecretKey: "sekrit-42", UseTLS: true}, false},
		{storage.Config{Endpoint: "https://minio:9000", AccessKey: "k", SecretKey: "sekrit-42"}, false},
		{storage.Config{Endpoint: "minio:9000"}, false}, // anonymous: nothing to protect
	} {
		w := tt.cfg.Warnings()
		if (len(w) > 0) != tt.warn {
			t.Errorf("%s (TLS %v): warnings %q; want a warning: %v", tt.cfg.Endpoint, tt.cfg.UseTLS, w, tt.warn)
		}
		for _, msg := range w {
			if strings.Contains(msg, tt.cfg.SecretKey) || !strings.Contains(msg, "S3_USE_TLS") {
				t.Errorf("warning %q: must name S3_USE_TLS and never the secret", msg)
			}
		}
	}
}
