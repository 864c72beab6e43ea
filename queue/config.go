package queue

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultURL                  = nats.DefaultURL
	DefaultJobsStream           = "JOBS"
	DefaultJobsSubject          = "transcribe.jobs"
	DefaultResultsStream        = "RESULTS"
	DefaultResultsSubjectPrefix = "transcribe.results"
	DefaultResultsMaxAge        = 72 * time.Hour
	DefaultDLQStream            = "DLQ"
	DefaultDLQSubject           = "transcribe.dlq"
	DefaultConsumer             = "xdna-workers"
	DefaultAckWait              = 60 * time.Second
	DefaultMaxDeliver           = 8
	DefaultDuplicateWindow      = 2 * time.Minute
	DefaultReplicas             = 1
)

// redacted replaces secrets wherever a Config is printed or logged.
const redacted = "[REDACTED]"

// Config is everything this package needs to reach the broker and to name
// the streams, subjects and consumer of the fleet. The zero value plus
// WithDefaults is a working local configuration. The env tags name the
// environment variables the binaries read it from (caarlos0/env).
type Config struct {
	// URL is the server URL, or a comma-separated list of them.
	URL string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// Creds is the path of a NATS credentials (JWT + nkey seed) file.
	Creds string `env:"NATS_CREDS"`
	// User and Password authenticate with a user name and password.
	User     string `env:"NATS_USER"`
	Password string `env:"NATS_PASSWORD"`
	// Token authenticates with a bearer token.
	Token string `env:"NATS_TOKEN"`
	// TLSCA is the path of a PEM file with the CAs that sign the server
	// certificate; setting it turns TLS on.
	TLSCA string `env:"NATS_TLS_CA"`
	// Name is the client name shown by the server's monitoring.
	Name string

	// JobsStream is the work-queue stream holding jobs, bound to
	// JobsSubject.
	JobsStream  string `env:"JOBS_STREAM" envDefault:"JOBS"`
	JobsSubject string `env:"JOBS_SUBJECT" envDefault:"transcribe.jobs"`
	// ResultsStream holds results on ResultsSubjectPrefix.<job_id>, kept
	// for ResultsMaxAge.
	ResultsStream        string        `env:"RESULTS_STREAM" envDefault:"RESULTS"`
	ResultsSubjectPrefix string        `env:"RESULTS_SUBJECT_PREFIX" envDefault:"transcribe.results"`
	ResultsMaxAge        time.Duration `env:"RESULTS_MAX_AGE" envDefault:"72h"`
	// DLQStream holds messages that are not jobs at all, on DLQSubject.
	DLQStream  string `env:"DLQ_STREAM" envDefault:"DLQ"`
	DLQSubject string `env:"DLQ_SUBJECT" envDefault:"transcribe.dlq"`

	// Consumer is the durable pull consumer on JobsStream that all workers
	// share.
	Consumer string `env:"CONSUMER" envDefault:"xdna-workers"`
	// AckWait is how long the server waits for an ack (or an InProgress
	// heartbeat) before it redelivers. When BackOff is set, the server uses
	// BackOff instead.
	AckWait time.Duration `env:"ACK_WAIT" envDefault:"60s"`
	// MaxDeliver bounds the deliveries of one message; -1 is unlimited.
	MaxDeliver int `env:"MAX_DELIVER" envDefault:"8"`
	// BackOff optionally sets the redelivery delay of each attempt
	// (attempt n waits BackOff[n-1], the last value repeating). It needs
	// len(BackOff) <= MaxDeliver.
	BackOff []time.Duration
	// DuplicateWindow is how long the streams remember a Nats-Msg-Id.
	DuplicateWindow time.Duration `env:"DUPLICATE_WINDOW" envDefault:"2m"`
	// Replicas is the replication factor of the streams (1 on a single
	// server, 3 in a typical cluster).
	Replicas int `env:"STREAM_REPLICAS" envDefault:"1"`
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	setStr := func(p *string, v string) {
		if strings.TrimSpace(*p) == "" {
			*p = v
		}
	}
	setDur := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	setStr(&c.URL, DefaultURL)
	setStr(&c.JobsStream, DefaultJobsStream)
	setStr(&c.JobsSubject, DefaultJobsSubject)
	setStr(&c.ResultsStream, DefaultResultsStream)
	setStr(&c.ResultsSubjectPrefix, DefaultResultsSubjectPrefix)
	setStr(&c.DLQStream, DefaultDLQStream)
	setStr(&c.DLQSubject, DefaultDLQSubject)
	setStr(&c.Consumer, DefaultConsumer)
	setDur(&c.ResultsMaxAge, DefaultResultsMaxAge)
	setDur(&c.AckWait, DefaultAckWait)
	setDur(&c.DuplicateWindow, DefaultDuplicateWindow)
	if c.MaxDeliver == 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	c.BackOff = append([]time.Duration(nil), c.BackOff...)
	return c
}

// Validate reports every problem of c at once, each wrapping
// ErrInvalidConfig. It checks c as given; call it on c.WithDefaults() to
// check what the package will actually use.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	for _, n := range []struct{ field, v string }{
		{"JobsStream", c.JobsStream}, {"ResultsStream", c.ResultsStream},
		{"DLQStream", c.DLQStream}, {"Consumer", c.Consumer},
	} {
		if n.v == "" || strings.ContainsAny(n.v, " \t\r\n.*>/\\") {
			bad("%s %q must be a non-empty name without whitespace, '.', '*', '>', '/' or '\\'", n.field, n.v)
		}
	}
	if c.JobsStream == c.ResultsStream || c.JobsStream == c.DLQStream || c.ResultsStream == c.DLQStream {
		bad("stream names %q, %q and %q must differ", c.JobsStream, c.ResultsStream, c.DLQStream)
	}
	for _, s := range []struct{ field, v string }{
		{"JobsSubject", c.JobsSubject}, {"ResultsSubjectPrefix", c.ResultsSubjectPrefix},
		{"DLQSubject", c.DLQSubject},
	} {
		if !literalSubject(s.v) {
			bad("%s %q must be a literal subject (dot-separated tokens, no wildcards or whitespace)", s.field, s.v)
		}
	}
	if c.JobsSubject == c.DLQSubject {
		bad("JobsSubject and DLQSubject must differ, both are %q", c.JobsSubject)
	}
	for _, s := range []string{c.JobsSubject, c.DLQSubject} {
		if c.ResultsSubjectPrefix != "" && strings.HasPrefix(s, c.ResultsSubjectPrefix+".") {
			bad("subject %q overlaps the results subjects %s.>", s, c.ResultsSubjectPrefix)
		}
	}
	if c.ResultsMaxAge < 0 {
		bad("ResultsMaxAge %v must not be negative", c.ResultsMaxAge)
	}
	if c.AckWait <= 0 {
		bad("AckWait %v must be positive", c.AckWait)
	}
	if c.MaxDeliver == 0 || c.MaxDeliver < -1 {
		bad("MaxDeliver %d must be positive or -1 (unlimited)", c.MaxDeliver)
	}
	for i, b := range c.BackOff {
		if b <= 0 {
			bad("BackOff[%d] %v must be positive", i, b)
		}
	}
	if c.MaxDeliver > 0 && len(c.BackOff) > c.MaxDeliver {
		bad("BackOff has %d steps, more than MaxDeliver %d", len(c.BackOff), c.MaxDeliver)
	}
	if c.DuplicateWindow <= 0 {
		bad("DuplicateWindow %v must be positive", c.DuplicateWindow)
	}
	if c.ResultsMaxAge > 0 && c.DuplicateWindow > c.ResultsMaxAge {
		bad("DuplicateWindow %v must not exceed ResultsMaxAge %v", c.DuplicateWindow, c.ResultsMaxAge)
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		bad("Replicas %d must be 1 to 5", c.Replicas)
	}
	if c.Token != "" && (c.User != "" || c.Password != "") {
		bad("Token and User/Password are exclusive")
	}
	if c.Password != "" && c.User == "" {
		bad("Password is set without User")
	}
	return errors.Join(errs...)
}

// ResultSubject is the subject a result for jobID is published on.
func (c Config) ResultSubject(jobID string) string {
	return c.WithDefaults().ResultsSubjectPrefix + "." + jobID
}

// String renders c for humans with Password, Token and any password in URL
// redacted.
func (c Config) String() string {
	type plain Config // no methods: no recursion into String
	r := c.redact()
	return fmt.Sprintf("%+v", plain(r))
}

// LogValue renders c as a slog group with secrets redacted.
func (c Config) LogValue() slog.Value {
	r := c.redact()
	return slog.GroupValue(
		slog.String("url", r.URL),
		slog.String("name", r.Name),
		slog.String("creds", r.Creds),
		slog.String("user", r.User),
		slog.String("password", r.Password),
		slog.String("token", r.Token),
		slog.String("tls_ca", r.TLSCA),
		slog.String("jobs_stream", r.JobsStream),
		slog.String("jobs_subject", r.JobsSubject),
		slog.String("results_stream", r.ResultsStream),
		slog.String("results_subject_prefix", r.ResultsSubjectPrefix),
		slog.Duration("results_max_age", r.ResultsMaxAge),
		slog.String("dlq_stream", r.DLQStream),
		slog.String("dlq_subject", r.DLQSubject),
		slog.String("consumer", r.Consumer),
		slog.Duration("ack_wait", r.AckWait),
		slog.Int("max_deliver", r.MaxDeliver),
		slog.Any("backoff", r.BackOff),
		slog.Duration("duplicate_window", r.DuplicateWindow),
		slog.Int("replicas", r.Replicas),
	)
}

// redact returns a copy of c that is safe to print.
func (c Config) redact() Config {
	if c.Password != "" {
		c.Password = redacted
	}
	if c.Token != "" {
		c.Token = redacted
	}
	c.URL = redactURLs(c.URL)
	return c
}

// redactURLs hides the password (or token) in every URL of a comma-separated
// server list.
func redactURLs(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		u, err := url.Parse(p)
		switch {
		case err != nil:
			if strings.Contains(p, "@") {
				parts[i] = redacted
			}
		case u.User != nil:
			if _, ok := u.User.Password(); ok {
				parts[i] = u.Redacted()
			} else {
				// A lone user info is a token.
				u.User = url.User(redacted)
				parts[i] = u.String()
			}
		default:
			parts[i] = p
		}
	}
	return strings.Join(parts, ",")
}

// literalSubject reports whether s is a subject without wildcards.
func literalSubject(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n*>") {
		return false
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return false
		}
	}
	return true
}
