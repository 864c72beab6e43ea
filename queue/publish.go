package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// Publisher writes jobs, results and dead letters, each with a Nats-Msg-Id so
// that a retried or redelivered publish is stored once. Every method waits
// for the stream's acknowledgement: a nil error means the message is stored.
//
// A Publisher is safe for concurrent use.
type Publisher struct {
	js  jetstream.JetStream
	cfg Config
}

// NewPublisher returns a Publisher for the streams and subjects of cfg.
func NewPublisher(js jetstream.JetStream, cfg Config) *Publisher {
	return &Publisher{js: js, cfg: cfg.WithDefaults()}
}

// Result publishes r as JSON on ResultsSubjectPrefix.<job_id> with
// Nats-Msg-Id = job_id and waits for the stream to store it.
//
// A job has exactly one result. duplicate reports that RESULTS already holds
// a result for the job — a redelivered job finished twice — and nothing was
// stored; that is not an error. Within the duplicate window the server's
// Nats-Msg-Id de-duplication says so; after it, the publish carries "expect
// no message on this subject yet", so a late duplicate is refused for as
// long as the first result is retained (ResultsMaxAge).
func (p *Publisher) Result(ctx context.Context, r *job.Result) (duplicate bool, err error) {
	if r == nil {
		return false, fmt.Errorf("%w: nil result", ErrInvalidJobID)
	}
	if !job.ValidID(r.JobID) {
		return false, fmt.Errorf("%w: result for %.64q", ErrInvalidJobID, r.JobID)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("queue: encode result %s: %w", r.JobID, err)
	}
	msg := &nats.Msg{Subject: p.cfg.ResultsSubjectPrefix + "." + r.JobID, Data: data, Header: nats.Header{}}
	ack, err := p.js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(r.JobID),
		jetstream.WithExpectStream(p.cfg.ResultsStream),
		jetstream.WithExpectLastSequencePerSubject(0),
	)
	if err != nil {
		if wrongLastSequence(err) {
			return true, nil
		}
		return false, fmt.Errorf("queue: publish result %s: %w", r.JobID, err)
	}
	return ack.Duplicate, nil
}

// Submit publishes j as JSON on JobsSubject with Nats-Msg-Id = job_id and
// waits for JOBS to store it. Submitting the same job_id again within the
// duplicate window stores nothing and is not an error. Submit checks only the
// job_id; the worker judges the rest and answers with a failed result.
func (p *Publisher) Submit(ctx context.Context, j *job.Job) error {
	if j == nil {
		return fmt.Errorf("%w: nil job", ErrInvalidJobID)
	}
	if !job.ValidID(j.ID) {
		return fmt.Errorf("%w: job %.64q", ErrInvalidJobID, j.ID)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("queue: encode job %s: %w", j.ID, err)
	}
	msg := &nats.Msg{Subject: p.cfg.JobsSubject, Data: data, Header: nats.Header{}}
	if _, err := p.js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(j.ID),
		jetstream.WithExpectStream(p.cfg.JobsStream),
	); err != nil {
		return fmt.Errorf("queue: submit job %s: %w", j.ID, err)
	}
	return nil
}

// wrongLastSequence reports the server refusing a publish because the
// subject already holds a message.
func wrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}
