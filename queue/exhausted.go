package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Jobs that exhaust MaxDeliver without an outcome — their worker crashed or
// hung on every attempt — are announced by the server on an advisory
// subject. The advisories are captured in a work-queue stream of their own
// (so none is lost while no worker runs), and Rescuer moves each such job to
// the DLQ.

// ExhaustedStream is the name of the stream capturing the jobs consumers'
// max-deliveries advisories.
func (c Config) ExhaustedStream() string { return c.WithDefaults().JobsStream + "_EXHAUSTED" }

// exhaustedSubjects are the advisory subjects of the jobs consumers: the
// routers' and the three lanes'.
func (c Config) exhaustedSubjects() []string {
	c = c.WithDefaults()
	var subjects []string
	for _, name := range c.jobsConsumers() {
		subjects = append(subjects, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+c.JobsStream+"."+name)
	}
	return subjects
}

const exhaustedConsumer = "dlq-mover"

func exhaustedStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.ExhaustedStream(),
		Description: "max-deliveries advisories of the xdna-worker jobs consumers",
		Subjects:    cfg.exhaustedSubjects(),
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      7 * 24 * time.Hour,
		Replicas:    cfg.Replicas,
	}
}

func exhaustedConsumerConfig(cfg Config) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:    exhaustedConsumer,
		AckPolicy:  jetstream.AckExplicitPolicy,
		AckWait:    30 * time.Second,
		MaxDeliver: -1,
	}
}

// maxDeliveriesAdvisory is the server's io.nats.jetstream.advisory.v1.max_deliver.
type maxDeliveriesAdvisory struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries int    `json:"deliveries"`
}

// ReasonExhausted is the DLQ reason of a job that used up its deliveries.
const ReasonExhausted = "max_deliver"

// Rescuer moves jobs that exhausted MaxDeliver to the DLQ.
type Rescuer struct {
	js  jetstream.JetStream
	cfg Config
	pub *Publisher
	log *slog.Logger

	attempts     int                             // deliveries of one advisory before giving up
	retryDelay   func(attempt int) time.Duration // delay after a failed attempt
	deadLettered func(reason string)             // told of each job dead-lettered
}

// RescuerOption tunes a Rescuer.
type RescuerOption func(*Rescuer)

// RescuerDeadLettered has the Rescuer call f with the reason
// (ReasonExhausted) of each job it dead-letters (for metrics).
func RescuerDeadLettered(f func(reason string)) RescuerOption {
	return func(r *Rescuer) { r.deadLettered = f }
}

// NewRescuer returns a Rescuer; Provision must have run.
func NewRescuer(js jetstream.JetStream, cfg Config, log *slog.Logger, opts ...RescuerOption) *Rescuer {
	cfg = cfg.WithDefaults()
	r := &Rescuer{js: js, cfg: cfg, pub: NewPublisher(js, cfg), log: log, attempts: rescueAttempts, retryDelay: rescueRetryDelay,
		deadLettered: func(string) {}}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Run handles advisories until ctx ends. Every worker may run one: each
// advisory goes to one of them, and handling is idempotent.
func (r *Rescuer) Run(ctx context.Context) error {
	return consume(ctx, r.js, r.cfg.ExhaustedStream(), exhaustedConsumer, "max-deliveries advisories", r.log, func(ctx context.Context, msg jetstream.Msg) {
		err := r.handle(ctx, msg.Data())
		if err == nil {
			msg.Ack()
			return
		}
		attempt := 1
		if meta, merr := msg.Metadata(); merr == nil {
			attempt = int(meta.NumDelivered)
		}
		if attempt >= r.attempts {
			// Bounded: an advisory that keeps failing (its job cannot be
			// read, copied or deleted) must not be retried forever.
			r.log.Error("max-deliveries advisory not handled after every attempt; dropping it (the job it names stays in "+r.cfg.JobsStream+")",
				"attempts", attempt, "err", err, "advisory", oneLine(string(msg.Data()), 512))
			msg.TermWithReason("rescuer gave up")
			return
		}
		delay := r.retryDelay(attempt)
		r.log.Warn("max-deliveries advisory not handled; will retry", "attempt", attempt, "retry_in", delay, "err", err)
		msg.NakWithDelay(delay)
	})
}

// rescueAttempts bounds the deliveries of one advisory to the rescuer;
// with rescueRetryDelay they span about 20 minutes.
const rescueAttempts = 20

// rescueRetryDelay is the delay after the given failed attempt: 5 s more
// per attempt, at most one minute.
func rescueRetryDelay(attempt int) time.Duration {
	return min(time.Duration(attempt)*5*time.Second, time.Minute)
}

// handle moves the job an advisory names to the DLQ and deletes it from
// JOBS. A job already gone (handled before, or acked late) is skipped.
func (r *Rescuer) handle(ctx context.Context, data []byte) error {
	var a maxDeliveriesAdvisory
	if err := json.Unmarshal(data, &a); err != nil || a.StreamSeq == 0 {
		r.log.Warn("skipping a malformed max-deliveries advisory", "data", oneLine(string(data), 512))
		return nil
	}
	// Anyone allowed to publish on the advisory subject could name any
	// stream and sequence: act only on the configured jobs stream and
	// consumer, never delete anywhere else.
	if a.Stream != r.cfg.JobsStream || !slices.Contains(r.cfg.jobsConsumers(), a.Consumer) {
		r.log.Warn("ignoring a max-deliveries advisory for another stream or consumer (forged?)",
			"stream", oneLine(a.Stream, 64), "consumer", oneLine(a.Consumer, 64), "seq", a.StreamSeq,
			"want_stream", r.cfg.JobsStream, "want_consumer", r.cfg.Consumer)
		return nil
	}
	s, err := r.js.Stream(ctx, a.Stream)
	if err != nil {
		return err
	}
	raw, err := s.GetMsg(ctx, a.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil // already dead-lettered or finished
	}
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("%s: no outcome after %d deliveries (worker crashed, hung or timed out on each)", ReasonExhausted, a.Deliveries)
	if err := r.pub.deadLetter(ctx, stored{
		data: raw.Data, header: raw.Header, subject: raw.Subject, stream: a.Stream,
		seq: a.StreamSeq, published: raw.Time, attempts: a.Deliveries,
	}, reason, nil); err != nil {
		return err
	}
	if err := s.DeleteMsg(ctx, a.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("queue: remove exhausted job #%d from %s: %w", a.StreamSeq, a.Stream, err)
	}
	r.log.Warn("job exhausted its deliveries: dead-lettered", "seq", a.StreamSeq, "deliveries", a.Deliveries)
	r.deadLettered(ReasonExhausted)
	return nil
}
