package queue

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultURL                   = nats.DefaultURL
	DefaultJobsStream            = "JOBS"
	DefaultJobsSubject           = "transcribe.jobs"
	DefaultResultsStream         = "RESULTS"
	DefaultResultsSubjectPrefix  = "transcribe.results"
	DefaultResultsMaxAge         = 72 * time.Hour
	DefaultDLQStream             = "DLQ"
	DefaultDLQSubject            = "transcribe.dlq"
	DefaultProgressSubjectPrefix = "transcribe.progress"
	DefaultConsumer              = "xdna-workers"
	DefaultLowerEvery            = 8
	DefaultAckWait               = 60 * time.Second
	DefaultMaxDeliver            = 8
	DefaultDuplicateWindow       = 2 * time.Minute
	DefaultReplicas              = 1
	// DefaultJobsMaxBytes and DefaultJobsMaxAge cap JOBS: about 250,000
	// waiting jobs of 1 KiB, none older than a week. A full JOBS refuses
	// new jobs (the publisher gets an error) rather than dropping queued
	// ones. The server reserves MaxBytes of its JetStream store for the
	// stream.
	DefaultJobsMaxBytes = 256 << 20
	DefaultJobsMaxAge   = 7 * 24 * time.Hour
	// DefaultDLQMaxBytes and DefaultDLQMaxAge cap DLQ: dead letters are
	// kept 30 days; when DLQ is full the oldest go first.
	DefaultDLQMaxBytes = 256 << 20
	DefaultDLQMaxAge   = 30 * 24 * time.Hour
	// DefaultCancelBucket, DefaultCancelTTL and DefaultCancelMaxBytes
	// name and cap the key-value bucket of cancellations (Cancels). A
	// cancellation is kept a day: long enough for a job cancelled while it
	// waits in a normal backlog to be seen when it is picked up, short
	// enough that the bucket stays small (about 250 bytes a cancellation:
	// 64 MiB hold some 250,000 a day). A job that waits in JOBS longer
	// than CancelTTL after its cancellation runs; raise CANCEL_TTL (up to
	// JOBS_MAX_AGE) where backlogs last longer.
	DefaultCancelBucket   = "transcribe-cancel"
	DefaultCancelTTL      = 24 * time.Hour
	DefaultCancelMaxBytes = 64 << 20
)

// minStreamBytes is the smallest stream cap Validate accepts: two
// messages of the server's default max payload.
const minStreamBytes = 2 << 20

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
	// TLSCert and TLSKey are the paths of a PEM client certificate and its
	// key, for servers that require client certificates; they go together
	// and turn TLS on.
	TLSCert string `env:"NATS_TLS_CERT"`
	TLSKey  string `env:"NATS_TLS_KEY"`
	// InboxPrefix replaces nats.go's "_INBOX" as the prefix of the reply
	// subjects this client subscribes to (pull responses carry jobs, and
	// publish acknowledgements): give each role its own, outside "_INBOX.",
	// so that no other user may subscribe to them (see Permissions).
	InboxPrefix string `env:"NATS_INBOX_PREFIX"`
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
	// ProgressSubjectPrefix is where workers publish a running job's
	// progress, on ProgressSubjectPrefix.<job_id> (core NATS, no stream).
	ProgressSubjectPrefix string `env:"PROGRESS_SUBJECT_PREFIX" envDefault:"transcribe.progress"`

	// Consumer is the durable pull consumer on JobsSubject that all
	// workers share: their routers take each job from it and move it to the
	// lane of its priority, JobsSubject.<priority> (LaneSubject), read by
	// the consumers Consumer-high, Consumer-normal and Consumer-low
	// (LaneConsumer).
	Consumer string `env:"CONSUMER" envDefault:"xdna-workers"`
	// LowerEvery makes every LowerEvery-th job a worker's intake takes come
	// from the lower priorities first (low and normal in turn), so that a
	// stream of high jobs cannot starve them; the other picks take high,
	// then normal, then low. At least 2: no two picks in a row pass over a
	// waiting high job.
	LowerEvery int `env:"PRIORITY_LOWER_EVERY" envDefault:"8"`
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

	// JobsMaxBytes and JobsMaxAge cap the JOBS stream (a negative value
	// lifts the cap). A full JOBS refuses new jobs; a job older than
	// JobsMaxAge is removed unprocessed.
	JobsMaxBytes Bytes         `env:"JOBS_MAX_BYTES" envDefault:"256MiB"`
	JobsMaxAge   time.Duration `env:"JOBS_MAX_AGE" envDefault:"168h"`
	// DLQMaxBytes and DLQMaxAge cap the DLQ stream (a negative value lifts
	// the cap); beyond them the oldest dead letters are dropped.
	DLQMaxBytes Bytes         `env:"DLQ_MAX_BYTES" envDefault:"256MiB"`
	DLQMaxAge   time.Duration `env:"DLQ_MAX_AGE" envDefault:"720h"`

	// CancelBucket is the JetStream key-value bucket of cancellations: a
	// key named after a job id cancels the job (Cancels). Its keys expire
	// after CancelTTL; CancelMaxBytes caps it (a negative value lifts the
	// cap), and a full bucket refuses new cancellations.
	CancelBucket   string        `env:"CANCEL_BUCKET" envDefault:"transcribe-cancel"`
	CancelTTL      time.Duration `env:"CANCEL_TTL" envDefault:"24h"`
	CancelMaxBytes Bytes         `env:"CANCEL_MAX_BYTES" envDefault:"64MiB"`

	// Provision says whether Prepare creates and updates the streams and
	// consumers (Provision) or only binds to existing ones (Bind), for a
	// fleet whose streams are managed elsewhere and whose NATS user may
	// not change them. On unless set to false.
	Provision DefaultOn `env:"PROVISION"`
}

// DefaultOn is a boolean setting whose zero value means true, so that a
// Config literal gets the safe default. Its text form is a strconv bool.
type DefaultOn struct{ off bool }

// On returns the DefaultOn that is v.
func On(v bool) DefaultOn { return DefaultOn{off: !v} }

// Bool reports the setting.
func (d DefaultOn) Bool() bool { return !d.off }

// String is "true" or "false".
func (d DefaultOn) String() string { return strconv.FormatBool(d.Bool()) }

// UnmarshalText parses a strconv bool ("true", "false", "1", "0", ...).
func (d *DefaultOn) UnmarshalText(b []byte) error {
	v, err := strconv.ParseBool(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%q is not a boolean", b)
	}
	d.off = !v
	return nil
}

// Bytes is a size in bytes; its text form is an integer, optionally with a
// unit (KiB, MiB, GiB, TiB, KB, MB, GB, TB, B), like "1GiB" or "512MiB".
type Bytes int64

// UnmarshalText parses a size.
func (b *Bytes) UnmarshalText(text []byte) error {
	t := strings.TrimSpace(string(text))
	num, mult := t, int64(1)
	for _, u := range []struct {
		s string
		m int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if n, ok := strings.CutSuffix(t, u.s); ok {
			num, mult = strings.TrimSpace(n), u.m
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || (n > 0 && n > math.MaxInt64/mult) {
		return fmt.Errorf("%q is not a size like 1073741824, 512MiB or 1GiB", t)
	}
	*b = Bytes(n * mult)
	return nil
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
	setStr(&c.ProgressSubjectPrefix, DefaultProgressSubjectPrefix)
	setStr(&c.Consumer, DefaultConsumer)
	setStr(&c.CancelBucket, DefaultCancelBucket)
	setDur(&c.CancelTTL, DefaultCancelTTL)
	if c.CancelMaxBytes == 0 {
		c.CancelMaxBytes = DefaultCancelMaxBytes
	}
	setDur(&c.ResultsMaxAge, DefaultResultsMaxAge)
	setDur(&c.AckWait, DefaultAckWait)
	setDur(&c.DuplicateWindow, DefaultDuplicateWindow)
	if c.MaxDeliver == 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.LowerEvery == 0 {
		c.LowerEvery = DefaultLowerEvery
	}
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	if c.JobsMaxBytes == 0 {
		c.JobsMaxBytes = DefaultJobsMaxBytes
	}
	if c.DLQMaxBytes == 0 {
		c.DLQMaxBytes = DefaultDLQMaxBytes
	}
	setDur(&c.JobsMaxAge, DefaultJobsMaxAge)
	setDur(&c.DLQMaxAge, DefaultDLQMaxAge)
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
		{"DLQSubject", c.DLQSubject}, {"ProgressSubjectPrefix", c.ProgressSubjectPrefix},
	} {
		if !literalSubject(s.v) {
			bad("%s %q must be a literal subject (dot-separated tokens, no wildcards or whitespace)", s.field, s.v)
		}
	}
	if !bucketName.MatchString(c.CancelBucket) {
		bad("CancelBucket (CANCEL_BUCKET) %q must be a non-empty name of letters, digits, '_' and '-'", c.CancelBucket)
	}
	if c.CancelTTL <= 0 {
		bad("CancelTTL (CANCEL_TTL) %v must be positive", c.CancelTTL)
	}
	if c.JobsSubject == c.DLQSubject {
		bad("JobsSubject and DLQSubject must differ, both are %q", c.JobsSubject)
	}
	if c.LowerEvery < 2 {
		bad("LowerEvery (PRIORITY_LOWER_EVERY) %d must be at least 2", c.LowerEvery)
	}
	for _, s := range []string{c.DLQSubject, c.ResultsSubjectPrefix} {
		if c.JobsSubject != "" && strings.HasPrefix(s, c.JobsSubject+".") {
			bad("subject %q overlaps the priority lanes %s.<priority>", s, c.JobsSubject)
		}
	}
	for _, s := range []string{c.JobsSubject, c.DLQSubject} {
		if c.ResultsSubjectPrefix != "" && strings.HasPrefix(s, c.ResultsSubjectPrefix+".") {
			bad("subject %q overlaps the results subjects %s.>", s, c.ResultsSubjectPrefix)
		}
	}
	if p := c.ProgressSubjectPrefix; p != "" {
		for _, s := range []string{c.JobsSubject, c.DLQSubject, c.ResultsSubjectPrefix} {
			if s == p || strings.HasPrefix(s, p+".") || strings.HasPrefix(p, s+".") {
				bad("ProgressSubjectPrefix %q overlaps subject %q: progress is not to be stored in a stream", p, s)
			}
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
	for _, b := range []struct {
		field string
		v     Bytes
	}{{"JobsMaxBytes (JOBS_MAX_BYTES)", c.JobsMaxBytes}, {"DLQMaxBytes (DLQ_MAX_BYTES)", c.DLQMaxBytes}, {"CancelMaxBytes (CANCEL_MAX_BYTES)", c.CancelMaxBytes}} {
		if b.v > 0 && b.v < minStreamBytes {
			bad("%s %d is below %d bytes: a stream that small cannot hold one message of the server's default max payload", b.field, b.v, minStreamBytes)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("TLSCert (NATS_TLS_CERT) and TLSKey (NATS_TLS_KEY) go together")
	}
	if c.InboxPrefix != "" && (!literalSubject(c.InboxPrefix) || c.InboxPrefix == "$JS" || strings.HasPrefix(c.InboxPrefix, "$JS.")) {
		bad("InboxPrefix (NATS_INBOX_PREFIX) %q must be a literal subject outside $JS", c.InboxPrefix)
	}
	return errors.Join(errs...)
}

// hasCredentials reports whether c authenticates: a creds file, a user,
// a token, or user info in a server URL.
func (c Config) hasCredentials() bool {
	if c.Creds != "" || c.User != "" || c.Token != "" {
		return true
	}
	for _, u := range strings.Split(c.URL, ",") {
		if _, rest, ok := strings.Cut(u, "://"); ok {
			u = rest
		}
		if strings.Contains(u, "@") {
			return true
		}
	}
	return false
}

// ProgressSubject is the subject a running job's progress is published on.
func (c Config) ProgressSubject(jobID string) string {
	return c.WithDefaults().ProgressSubjectPrefix + "." + jobID
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
		slog.String("tls_cert", r.TLSCert),
		slog.String("tls_key", r.TLSKey),
		slog.String("inbox_prefix", r.InboxPrefix),
		slog.String("jobs_stream", r.JobsStream),
		slog.String("jobs_subject", r.JobsSubject),
		slog.String("results_stream", r.ResultsStream),
		slog.String("results_subject_prefix", r.ResultsSubjectPrefix),
		slog.Duration("results_max_age", r.ResultsMaxAge),
		slog.String("dlq_stream", r.DLQStream),
		slog.String("dlq_subject", r.DLQSubject),
		slog.String("progress_subject_prefix", r.ProgressSubjectPrefix),
		slog.String("consumer", r.Consumer),
		slog.Duration("ack_wait", r.AckWait),
		slog.Int("max_deliver", r.MaxDeliver),
		slog.Any("backoff", r.BackOff),
		slog.Duration("duplicate_window", r.DuplicateWindow),
		slog.Int("replicas", r.Replicas),
		slog.Int64("jobs_max_bytes", int64(r.JobsMaxBytes)),
		slog.Duration("jobs_max_age", r.JobsMaxAge),
		slog.Int64("dlq_max_bytes", int64(r.DLQMaxBytes)),
		slog.Duration("dlq_max_age", r.DLQMaxAge),
		slog.String("cancel_bucket", r.CancelBucket),
		slog.Duration("cancel_ttl", r.CancelTTL),
		slog.Int64("cancel_max_bytes", int64(r.CancelMaxBytes)),
		slog.Bool("provision", r.Provision.Bool()),
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
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// redactURL hides the secret of one server URL, with or without a scheme
// (nats.go takes "u:pw@host:4222" as "nats://u:pw@host:4222"): the password
// of "user:password@", or the token of "token@". It does not parse the URL,
// so a password that is not validly escaped (an '@' or '%' in it) is hidden
// too: everything up to the last '@' is user info.
func redactURL(u string) string {
	scheme, rest := "", u
	if i := strings.Index(u, "://"); i >= 0 {
		scheme, rest = u[:i+3], u[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return u
	}
	info, host := rest[:at], rest[at+1:]
	if user, _, ok := strings.Cut(info, ":"); ok {
		return scheme + user + ":" + redacted + "@" + host
	}
	return scheme + redacted + "@" + host // a lone user info is a token
}

// bucketName is the grammar of a key-value bucket name (nats.go's).
var bucketName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

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
