package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// DefaultMaxAckPending is the MaxAckPending of the shared consumer: high
// enough never to be the fleet's limit (the buffer pools are), low enough
// to bound a runaway.
const DefaultMaxAckPending = 10000

// Provision creates or updates the JOBS, RESULTS and DLQ streams, the
// shared durable pull consumer on JOBS and the cancellation bucket
// (Cancels) so that they match cfg. It is
// idempotent, and any number of workers may run it at the same time on
// start-up.
//
// Updating fails (and Provision reports it) when an existing stream differs
// in a property the server cannot change in place, such as its retention
// policy or storage type.
func Provision(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	for _, sc := range []jetstream.StreamConfig{
		jobsStreamConfig(cfg), resultsStreamConfig(cfg), dlqStreamConfig(cfg), exhaustedStreamConfig(cfg),
	} {
		if err := upsertStream(ctx, js, sc); err != nil {
			return err
		}
	}
	type consumer struct {
		stream string
		cc     jetstream.ConsumerConfig
	}
	consumers := []consumer{{cfg.JobsStream, consumerConfig(cfg)}}
	for _, p := range job.Priorities {
		consumers = append(consumers, consumer{cfg.JobsStream, laneConsumerConfig(cfg, p)})
	}
	consumers = append(consumers, consumer{cfg.ExhaustedStream(), exhaustedConsumerConfig(cfg)})
	for _, c := range consumers {
		if err := upsertConsumer(ctx, js, c.stream, c.cc); err != nil {
			return err
		}
	}
	return upsertKeyValue(ctx, js, cancelBucketConfig(cfg))
}

// Prepare makes the streams and consumers of cfg ready for a worker:
// Provision when cfg.Provision is on (the default), else Bind.
func Prepare(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	if cfg.Provision.Bool() {
		return Provision(ctx, js, cfg)
	}
	return Bind(ctx, js, cfg)
}

// Bind checks, without changing anything, that the streams and consumers
// Provision would create exist and capture the configured subjects: what a
// worker with PROVISION=false does, whose NATS user may only read them. A
// missing stream or consumer, or a permission the user lacks, is reported
// by name.
func Bind(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	type subject struct{ name, subject string }
	var subjects []subject
	for _, s := range cfg.jobsSubjects() {
		subjects = append(subjects, subject{cfg.JobsStream, s})
	}
	subjects = append(subjects,
		subject{cfg.ResultsStream, cfg.ResultsSubjectPrefix + ".>"},
		subject{cfg.DLQStream, cfg.DLQSubject},
		subject{cancelStream(cfg), "$KV." + cfg.CancelBucket + ".>"},
	)
	for _, s := range cfg.exhaustedSubjects() {
		subjects = append(subjects, subject{cfg.ExhaustedStream(), s})
	}
	for _, s := range subjects {
		if err := bindStream(ctx, js, s.name, s.subject); err != nil {
			return err
		}
	}
	type consumer struct{ stream, name string }
	var consumers []consumer
	for _, name := range cfg.jobsConsumers() {
		consumers = append(consumers, consumer{cfg.JobsStream, name})
	}
	for _, c := range append(consumers, consumer{cfg.ExhaustedStream(), exhaustedConsumer}) {
		if err := bindConsumer(ctx, js, c.stream, c.name); err != nil {
			return err
		}
	}
	return nil
}

// provisionHint follows a permission error of Provision.
const provisionHint = "the NATS user may not manage streams: grant it the JetStream API subjects of deploy/nats, " +
	"or create the streams and consumers elsewhere (xdna-provision) and run with PROVISION=false"

// bindHint follows an error of Bind about something missing.
const bindHint = "with PROVISION=false the streams and consumers must exist beforehand: run xdna-provision " +
	"(or one worker with PROVISION=true) as a user allowed to create them"

func bindStream(ctx context.Context, js jetstream.JetStream, name, subject string) error {
	var s jetstream.Stream
	err := guarded(ctx, js, func(ctx context.Context) (err error) {
		s, err = js.Stream(ctx, name)
		return err
	})
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("queue: stream %s does not exist: %w; %s", name, err, bindHint)
	case errors.Is(err, ErrPermission):
		return fmt.Errorf("queue: look up stream %s: %w; the worker needs it even with PROVISION=false (deploy/nats)", name, err)
	case err != nil:
		return fmt.Errorf("queue: look up stream %s: %w", name, err)
	}
	if subjects := s.CachedInfo().Config.Subjects; !slices.Contains(subjects, subject) {
		return fmt.Errorf("%w: stream %s captures %q, not %q; %s", ErrInvalidConfig, name, subjects, subject, bindHint)
	}
	return nil
}

func bindConsumer(ctx context.Context, js jetstream.JetStream, stream, name string) error {
	err := guarded(ctx, js, func(ctx context.Context) error {
		_, err := js.Consumer(ctx, stream, name)
		return err
	})
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return fmt.Errorf("queue: consumer %s on stream %s does not exist: %w; %s", name, stream, err, bindHint)
	case errors.Is(err, ErrPermission):
		return fmt.Errorf("queue: look up consumer %s on %s: %w; the worker needs it even with PROVISION=false (deploy/nats)", name, stream, err)
	case err != nil:
		return fmt.Errorf("queue: look up consumer %s on %s: %w", name, stream, err)
	}
	return nil
}

func upsertConsumer(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig) error {
	err := guarded(ctx, js, func(ctx context.Context) error {
		_, err := js.CreateOrUpdateConsumer(ctx, stream, cc)
		return err
	})
	if errors.Is(err, ErrPermission) {
		return fmt.Errorf("queue: provision consumer %s on %s: %w; %s", cc.Durable, stream, err, provisionHint)
	}
	if err != nil {
		return fmt.Errorf("queue: provision consumer %s on %s: %w", cc.Durable, stream, err)
	}
	return nil
}

// guarded runs a JetStream API call. The server answers a request the NATS
// user may not publish with an asynchronous permissions violation and no
// reply, so the call itself would only time out: guarded watches the
// connection for a new violation on a JetStream subject, ends the call at
// once when one comes, and returns it (naming the subject) wrapped in
// ErrPermission.
func guarded(ctx context.Context, js jetstream.JetStream, call func(context.Context) error) error {
	nc := js.Conn()
	before := nc.LastError()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(cctx) }()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				if v := newViolation(nc, before); v != nil {
					return v
				}
			}
			return err
		case <-t.C:
			if v := newViolation(nc, before); v != nil {
				cancel()
				<-done
				return v
			}
		}
	}
}

// newViolation returns the connection's last error, wrapped in
// ErrPermission, when it is a permissions violation on a JetStream subject
// that was not there before.
func newViolation(nc *nats.Conn, before error) error {
	err := nc.LastError()
	if err == nil || err == before || !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), "$JS.") {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrPermission, err)
}

// upsertStream is CreateOrUpdateStream made safe for racing provisioners:
// when two both find the stream missing, the slower create fails with
// "name already in use" (if the configs are not byte-identical after server
// defaults) and a second pass updates instead.
func upsertStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) error {
	var err error
	for range 3 {
		err = guarded(ctx, js, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateStream(ctx, sc)
			return err
		})
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			break
		}
	}
	if errors.Is(err, ErrPermission) {
		return fmt.Errorf("queue: provision stream %s: %w; %s", sc.Name, err, provisionHint)
	}
	if err != nil {
		return fmt.Errorf("queue: provision stream %s: %w", sc.Name, err)
	}
	return nil
}

// upsertKeyValue is upsertStream for a key-value bucket.
func upsertKeyValue(ctx context.Context, js jetstream.JetStream, kc jetstream.KeyValueConfig) error {
	var err error
	for range 3 {
		err = guarded(ctx, js, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateKeyValue(ctx, kc)
			return err
		})
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) && !errors.Is(err, jetstream.ErrBucketExists) {
			break
		}
	}
	if errors.Is(err, ErrPermission) {
		return fmt.Errorf("queue: provision bucket %s: %w; %s", kc.Bucket, err, provisionHint)
	}
	if err != nil {
		return fmt.Errorf("queue: provision bucket %s: %w", kc.Bucket, err)
	}
	return nil
}

// cancelStream is the stream behind the cancellation bucket.
func cancelStream(cfg Config) string { return "KV_" + cfg.CancelBucket }

// cancelBucketConfig is the cancellation bucket: one value per job id
// (the time it was cancelled), kept CancelTTL.
func cancelBucketConfig(cfg Config) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:       cfg.CancelBucket,
		Description:  "xdna-worker cancellations: a key per cancelled job id",
		History:      1,
		TTL:          cfg.CancelTTL,
		MaxBytes:     streamBytes(cfg.CancelMaxBytes),
		MaxValueSize: 64,
		Storage:      jetstream.FileStorage,
		Replicas:     cfg.Replicas,
	}
}

func jobsStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.JobsStream,
		Description: "xdna-worker transcription jobs (work queue)",
		Subjects:    cfg.jobsSubjects(),
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		// Full: refuse new jobs (the publisher sees an error) rather
		// than drop queued ones.
		Discard:    jetstream.DiscardNew,
		Duplicates: cfg.DuplicateWindow,
		Replicas:   cfg.Replicas,
		MaxMsgs:    -1,
		MaxBytes:   streamBytes(cfg.JobsMaxBytes),
		MaxAge:     streamAge(cfg.JobsMaxAge),
	}
}

// streamBytes is a MaxBytes for the server: negative means unlimited.
func streamBytes(b Bytes) int64 {
	if b < 0 {
		return -1
	}
	return int64(b)
}

// streamAge is a MaxAge for the server: negative means unlimited (0).
func streamAge(d time.Duration) time.Duration { return max(d, 0) }

func resultsStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.ResultsStream,
		Description: "xdna-worker transcription results, one subject per job_id",
		Subjects:    []string{cfg.ResultsSubjectPrefix + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      cfg.ResultsMaxAge,
		Duplicates:  cfg.DuplicateWindow,
		Replicas:    cfg.Replicas,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		AllowDirect: true,
	}
}

func dlqStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.DLQStream,
		Description: "xdna-worker dead letters: messages on the jobs subject that are not jobs",
		Subjects:    []string{cfg.DLQSubject},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		Duplicates:  cfg.DuplicateWindow,
		Replicas:    cfg.Replicas,
		MaxMsgs:     -1,
		MaxBytes:    streamBytes(cfg.DLQMaxBytes),
		MaxAge:      streamAge(cfg.DLQMaxAge),
	}
}

func consumerConfig(cfg Config) jetstream.ConsumerConfig {
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Consumer,
		Description:   "xdna-worker routers: each job moves to the lane of its priority",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxDeliver,
		FilterSubject: cfg.JobsSubject,
		ReplayPolicy:  jetstream.ReplayInstantPolicy,
		MaxAckPending: DefaultMaxAckPending,
		Replicas:      cfg.Replicas,
	}
	if len(cfg.BackOff) > 0 {
		cc.BackOff = append([]time.Duration(nil), cfg.BackOff...)
	}
	return cc
}
