package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// Uploads become jobs: MinIO (its notify_nats target with JetStream on) or
// an S3 event bridge publishes bucket notifications on the uploads subject,
// stream UPLOADS keeps them, and every worker runs an Uploads loop that
// turns each s3:ObjectCreated:* record into a job on the jobs subject.

// Defaults of UploadsConfig.
const (
	DefaultUploadsStream   = "UPLOADS"
	DefaultUploadsSubject  = "transcribe.uploads"
	DefaultUploadsConsumer = "xdna-uploads"
)

// MetaOutputOf is the user metadata key (x-amz-meta-xdna-output-of) the
// worker sets on the transcript files it writes: the job they belong to.
// An upload carrying it is the worker's own output and is never
// transcribed.
const MetaOutputOf = "Xdna-Output-Of"

// OutputFormats are the suffixes of transcript files (<prefix>.<format>).
var OutputFormats = []string{"json", "verbose_json", "txt", "srt", "vtt", "tsv"}

// UploadsConfig says how uploads become jobs. The env tags name the
// worker's environment variables.
type UploadsConfig struct {
	// Enabled turns the uploads loop on.
	Enabled bool `env:"UPLOADS_ENABLED" envDefault:"true"`
	// Stream keeps the notifications published on Subject (and on
	// Subject.>, for bridges that add the bucket as a token).
	Stream   string `env:"UPLOADS_STREAM" envDefault:"UPLOADS"`
	Subject  string `env:"UPLOADS_SUBJECT" envDefault:"transcribe.uploads"`
	Consumer string `env:"UPLOADS_CONSUMER" envDefault:"xdna-uploads"`
	// OutputBucket receives the transcripts; empty means the upload's own
	// bucket (next to the upload).
	OutputBucket string `env:"UPLOADS_OUTPUT_BUCKET"`
	// OutputPrefix is put before the upload's key to name its
	// transcripts: <OutputPrefix><key>.<format>.
	OutputPrefix string `env:"UPLOADS_OUTPUT_PREFIX"`
	// Formats are the transcript files written.
	Formats []string `env:"UPLOADS_FORMATS" envDefault:"json,txt,srt,vtt"`
	// Include and Exclude are globs over "bucket/key" ('*' matches any run
	// of characters, '/' included; '?' one character). A record is turned
	// into a job when it matches an Include pattern (or Include is empty)
	// and no Exclude pattern.
	Include []string `env:"UPLOADS_INCLUDE"`
	Exclude []string `env:"UPLOADS_EXCLUDE"`
}

// WithDefaults fills the zero names of c.
func (c UploadsConfig) WithDefaults() UploadsConfig {
	if c.Stream == "" {
		c.Stream = DefaultUploadsStream
	}
	if c.Subject == "" {
		c.Subject = DefaultUploadsSubject
	}
	if c.Consumer == "" {
		c.Consumer = DefaultUploadsConsumer
	}
	if len(c.Formats) == 0 {
		c.Formats = []string{"json", "txt", "srt", "vtt"}
	}
	return c
}

// Validate reports every problem of c at once.
func (c UploadsConfig) Validate(q Config) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Stream == "" || strings.ContainsAny(c.Stream, " \t\r\n.*>/\\") {
		bad("UPLOADS_STREAM %q must be a name without '.', '*', '>' or whitespace", c.Stream)
	}
	if !literalSubject(c.Subject) {
		bad("UPLOADS_SUBJECT %q must be a literal subject", c.Subject)
	}
	q = q.WithDefaults()
	for _, s := range []string{q.JobsSubject, q.DLQSubject} {
		if s == c.Subject || strings.HasPrefix(s, c.Subject+".") {
			bad("UPLOADS_SUBJECT %q overlaps %q", c.Subject, s)
		}
	}
	if strings.HasPrefix(c.Subject, q.ResultsSubjectPrefix+".") {
		bad("UPLOADS_SUBJECT %q overlaps the results subjects", c.Subject)
	}
	if c.Stream == q.JobsStream || c.Stream == q.ResultsStream || c.Stream == q.DLQStream {
		bad("UPLOADS_STREAM %q must differ from the other streams", c.Stream)
	}
	for _, f := range c.Formats {
		if !contains(OutputFormats, f) {
			bad("UPLOADS_FORMATS: %q is not one of %s", f, strings.Join(OutputFormats, ", "))
		}
	}
	for _, g := range append(append([]string(nil), c.Include...), c.Exclude...) {
		if g == "" {
			bad("UPLOADS_INCLUDE/UPLOADS_EXCLUDE: empty pattern")
		}
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func uploadsStreamConfig(c UploadsConfig, q Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        c.Stream,
		Description: "xdna-worker: S3 bucket notifications, turned into jobs",
		Subjects:    []string{c.Subject, c.Subject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		Duplicates:  q.DuplicateWindow,
		Replicas:    q.Replicas,
		MaxAge:      7 * 24 * time.Hour,
		MaxMsgs:     -1,
		MaxBytes:    -1,
	}
}

func uploadsConsumerConfig(c UploadsConfig, q Config) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       c.Consumer,
		Description:   "xdna-worker fleet: turns upload notifications into jobs",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    q.MaxDeliver,
		MaxAckPending: 1000,
		Replicas:      q.Replicas,
	}
}

// ProvisionUploads creates or updates the uploads stream and its consumer.
func ProvisionUploads(ctx context.Context, js jetstream.JetStream, c UploadsConfig, q Config) error {
	c, q = c.WithDefaults(), q.WithDefaults()
	if err := c.Validate(q); err != nil {
		return err
	}
	if err := upsertStream(ctx, js, uploadsStreamConfig(c, q)); err != nil {
		return err
	}
	return upsertConsumer(ctx, js, c.Stream, uploadsConsumerConfig(c, q))
}

// PrepareUploads is ProvisionUploads when q.Provision is on (the default),
// else BindUploads.
func PrepareUploads(ctx context.Context, js jetstream.JetStream, c UploadsConfig, q Config) error {
	if q.Provision.Bool() {
		return ProvisionUploads(ctx, js, c, q)
	}
	return BindUploads(ctx, js, c, q)
}

// BindUploads checks, without changing anything, that the uploads stream
// and its consumer exist (see Bind).
func BindUploads(ctx context.Context, js jetstream.JetStream, c UploadsConfig, q Config) error {
	c, q = c.WithDefaults(), q.WithDefaults()
	if err := c.Validate(q); err != nil {
		return err
	}
	if err := bindStream(ctx, js, c.Stream, c.Subject); err != nil {
		return err
	}
	return bindConsumer(ctx, js, c.Stream, c.Consumer)
}

// UploadOutcome is what became of one record, for metrics.
type UploadOutcome string

// Outcomes of a record.
const (
	UploadSubmitted  UploadOutcome = "submitted"    // a job was published
	UploadDone       UploadOutcome = "already_done" // the job already has a result
	UploadNotCreated UploadOutcome = "not_created"  // not an ObjectCreated event
	UploadOwnOutput  UploadOutcome = "own_output"   // a transcript this fleet wrote
	UploadFiltered   UploadOutcome = "filtered"     // excluded by UPLOADS_INCLUDE/EXCLUDE
	UploadDeadLetter UploadOutcome = "dead_letter"  // the notification was not an S3 event
)

// Uploads turns upload notifications into jobs.
type Uploads struct {
	js      jetstream.JetStream
	q       Config
	c       UploadsConfig
	pub     *Publisher
	log     *slog.Logger
	outcome func(UploadOutcome)
}

// NewUploads returns the uploads loop; ProvisionUploads must have run.
// outcome, if not nil, is called once per record (and once per notification
// that is dead-lettered).
func NewUploads(js jetstream.JetStream, q Config, c UploadsConfig, log *slog.Logger, outcome func(UploadOutcome)) *Uploads {
	q, c = q.WithDefaults(), c.WithDefaults()
	if outcome == nil {
		outcome = func(UploadOutcome) {}
	}
	return &Uploads{js: js, q: q, c: c, pub: NewPublisher(js, q), log: log, outcome: outcome}
}

// Run handles notifications until ctx ends. Every worker may run one: each
// notification goes to one of them, and handling is idempotent (a job's id
// is derived from the upload, and a job with a result is not submitted
// again).
func (u *Uploads) Run(ctx context.Context) error {
	return consume(ctx, u.js, u.c.Stream, u.c.Consumer, "uploads", u.log, u.handle)
}

// handle settles one notification: ack when every record is handled,
// dead-letter when it is not an event (or its last delivery failed), nak
// with a delay otherwise.
func (u *Uploads) handle(ctx context.Context, msg jetstream.Msg) {
	meta, _ := msg.Metadata()
	ev, err := ParseS3Event(msg.Data())
	if err != nil {
		u.deadLetter(ctx, msg, err.Error(), nil)
		return
	}
	for i := range ev.Records {
		if err := u.record(ctx, &ev.Records[i]); err != nil {
			attempt := 1
			if meta != nil {
				attempt = int(meta.NumDelivered)
			}
			if u.q.MaxDeliver > 0 && attempt >= u.q.MaxDeliver {
				u.deadLetter(ctx, msg, fmt.Sprintf("%s: upload not turned into a job after %d deliveries", ReasonExhausted, attempt), err)
				return
			}
			u.log.Warn("uploads: notification not handled; will retry", "attempt", attempt, "err", err)
			msg.NakWithDelay(min(30*time.Second, time.Duration(attempt)*2*time.Second))
			return
		}
	}
	msg.Ack()
}

// deadLetter moves msg to the DLQ and terminates it; a dead letter that
// is not stored is retried by handing msg back.
func (u *Uploads) deadLetter(ctx context.Context, msg jetstream.Msg, reason string, lastErr error) {
	if err := u.pub.deadLetterTaken(ctx, msg, u.c.Stream, reason, lastErr); err != nil {
		u.log.Warn("uploads: dead letter not stored; will retry", "err", err)
		msg.NakWithDelay(5 * time.Second)
		return
	}
	u.outcome(UploadDeadLetter)
	u.log.Warn("uploads: notification dead-lettered", "reason", reason, "seq", streamSeq(msg))
}

// streamSeq is msg's stream sequence, 0 when it has no metadata.
func streamSeq(msg jetstream.Msg) uint64 {
	if meta, err := msg.Metadata(); err == nil {
		return meta.Sequence.Stream
	}
	return 0
}

// record turns one record into a job, or skips it.
func (u *Uploads) record(ctx context.Context, r *S3Record) error {
	j, outcome := u.JobFor(r)
	if j == nil {
		u.outcome(outcome)
		u.log.Debug("uploads: record skipped", "outcome", outcome, "event", r.EventName)
		return nil
	}
	if _, err := LastResult(ctx, u.js, u.q, j.ID); err == nil {
		u.outcome(UploadDone)
		return nil
	} else if !errors.Is(err, ErrNoResult) {
		return err
	}
	if err := u.pub.Submit(ctx, j); err != nil {
		return err
	}
	u.outcome(UploadSubmitted)
	u.log.Info("uploads: upload turned into a job", "job", j.ID, "bucket", j.Audio.Bucket)
	return nil
}

// JobFor returns the job for a record, or nil and why there is none.
func (u *Uploads) JobFor(r *S3Record) (*job.Job, UploadOutcome) {
	if !r.Created() {
		return nil, UploadNotCreated
	}
	key, err := r.Key()
	if err != nil {
		return nil, UploadFiltered // ParseS3Event refuses these; defensive
	}
	bucket := r.S3.Bucket.Name
	if u.ownOutput(r, bucket, key) {
		return nil, UploadOwnOutput
	}
	if !u.wanted(bucket + "/" + key) {
		return nil, UploadFiltered
	}
	outBucket := u.c.OutputBucket
	if outBucket == "" {
		outBucket = bucket
	}
	meta, _ := json.Marshal(map[string]any{"upload": map[string]any{
		"bucket": bucket, "key": key, "version": r.Version(), "event": r.EventName, "size": r.S3.Object.Size,
	}})
	return &job.Job{
		ID:       UploadJobID(bucket, key, r.Version()),
		Audio:    job.ObjectRef{Bucket: bucket, Key: key},
		Output:   &job.Output{Bucket: outBucket, Prefix: u.c.OutputPrefix + key, Formats: append([]string(nil), u.c.Formats...)},
		Metadata: meta,
	}, ""
}

// ownOutput reports whether an upload is a transcript this fleet wrote:
// it carries the worker's metadata mark (MinIO reports user metadata), its
// name ends in a transcript format, or it lies under the output prefix of
// the output bucket.
func (u *Uploads) ownOutput(r *S3Record, bucket, key string) bool {
	for k := range r.S3.Object.UserMetadata {
		if strings.EqualFold(strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-"), strings.ToLower(MetaOutputOf)) {
			return true
		}
	}
	for _, f := range OutputFormats {
		if strings.HasSuffix(key, "."+f) {
			return true
		}
	}
	outBucket := u.c.OutputBucket
	if outBucket == "" {
		outBucket = bucket
	}
	return u.c.OutputPrefix != "" && bucket == outBucket && strings.HasPrefix(key, u.c.OutputPrefix)
}

// wanted applies UPLOADS_INCLUDE and UPLOADS_EXCLUDE to "bucket/key".
func (u *Uploads) wanted(name string) bool {
	if len(u.c.Include) > 0 {
		in := false
		for _, g := range u.c.Include {
			if globMatch(g, name) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	for _, g := range u.c.Exclude {
		if globMatch(g, name) {
			return false
		}
	}
	return true
}

// globMatch matches name against a pattern where '*' is any run of
// characters ('/' included) and '?' is one character.
func globMatch(pattern, name string) bool {
	// Iterative wildcard matching with backtracking to the last '*'.
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// UploadJobID derives the job id of an upload from its bucket, key and
// version (see S3Record.Version), so that a repeated notification is the
// same job: "up-" + the key's last path element made subject-safe (at most
// 40 characters) + "-" + 24 hex digits of SHA-256 over the three.
func UploadJobID(bucket, key, version string) string {
	h := sha256.Sum256([]byte(bucket + "\x00" + key + "\x00" + version))
	base := path.Base(key)
	slug := make([]byte, 0, 40)
	for i := 0; i < len(base) && len(slug) < 40; i++ {
		c := base[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			slug = append(slug, c)
		} else {
			slug = append(slug, '_')
		}
	}
	id := "up-"
	if len(slug) > 0 {
		id += string(slug) + "-"
	}
	return id + hex.EncodeToString(h[:12])
}
