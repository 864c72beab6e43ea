package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultMaxAckPending is the MaxAckPending of the shared consumer: high
// enough never to be the fleet's limit (the buffer pools are), low enough
// to bound a runaway.
const DefaultMaxAckPending = 10000

// Provision creates or updates the JOBS, RESULTS and DLQ streams and the
// shared durable pull consumer on JOBS so that they match cfg. It is
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
	if _, err := js.CreateOrUpdateConsumer(ctx, cfg.JobsStream, consumerConfig(cfg)); err != nil {
		return fmt.Errorf("queue: provision consumer %s on %s: %w", cfg.Consumer, cfg.JobsStream, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, cfg.ExhaustedStream(), exhaustedConsumerConfig(cfg)); err != nil {
		return fmt.Errorf("queue: provision consumer %s on %s: %w", exhaustedConsumer, cfg.ExhaustedStream(), err)
	}
	return nil
}

// upsertStream is CreateOrUpdateStream made safe for racing provisioners:
// when two both find the stream missing, the slower create fails with
// "name already in use" (if the configs are not byte-identical after server
// defaults) and a second pass updates instead.
func upsertStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) error {
	var err error
	for range 3 {
		_, err = js.CreateOrUpdateStream(ctx, sc)
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("queue: provision stream %s: %w", sc.Name, err)
	}
	return nil
}

func jobsStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.JobsStream,
		Description: "xdna-worker transcription jobs (work queue)",
		Subjects:    []string{cfg.JobsSubject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		Duplicates:  cfg.DuplicateWindow,
		Replicas:    cfg.Replicas,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxAge:      0,
	}
}

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
		MaxBytes:    -1,
	}
}

func consumerConfig(cfg Config) jetstream.ConsumerConfig {
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Consumer,
		Description:   "xdna-worker fleet: one message per pull, only after a buffer is reserved",
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
