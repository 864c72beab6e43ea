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
//
// The trace context of ctx travels on in the result's W3C headers
// (InjectTrace).
func (p *Publisher) Result(ctx context.Context, r *job.Result) (duplicate bool, err error) {
	if r == nil {
		return false, fmt.Errorf("%w: nil result", ErrInvalidJobID)
	}
	if !job.ValidID(r.JobID) {
		return false, fmt.Errorf("%w: result for %.64q", ErrInvalidJobID, r.JobID)
	}
	h := nats.Header{}
	InjectTrace(ctx, h)
	data, err := p.encodeResult(r, headerLen(h))
	if err != nil {
		return false, err
	}
	msg := &nats.Msg{Subject: p.cfg.ResultsSubjectPrefix + "." + r.JobID, Data: data, Header: h}
	ack, err := p.js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(r.JobID),
		jetstream.WithExpectStream(p.cfg.ResultsStream),
		jetstream.WithExpectLastSequencePerSubject(0),
	)
	if err != nil {
		if wrongLastSequence(err) {
			return true, nil
		}
		return false, fmt.Errorf("queue: publish result %s: %w", r.JobID, tooLarge(err))
	}
	return ack.Duplicate, nil
}

// Submit publishes j as JSON on JobsSubject with Nats-Msg-Id = job_id and
// waits for JOBS to store it. Submitting the same job_id again within the
// duplicate window stores nothing and is not an error. Submit checks only the
// job_id; the worker judges the rest and answers with a failed result.
//
// The trace context of ctx (an HTTP request's, say) travels with the job in
// its W3C headers, and the worker's spans continue it.
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
	InjectTrace(ctx, msg.Header)
	if _, err := p.js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(j.ID),
		jetstream.WithExpectStream(p.cfg.JobsStream),
	); err != nil {
		return fmt.Errorf("queue: submit job %s: %w", j.ID, tooLarge(err))
	}
	return nil
}

// publishOverhead is what a publish may add to a message besides its
// payload and own headers: the header block nats.go writes and the
// JetStream headers (Nats-Msg-Id up to 128 bytes, Nats-Expected-Stream,
// Nats-Expected-Last-Subject-Sequence), with room to spare.
const publishOverhead = 1 << 10

// maxTruncatedError is how much of an error message a result cut to fit
// keeps.
const maxTruncatedError = 1 << 10

// maxPayload is the largest message (headers and payload) the connected
// server accepts: its max_payload, or NATS's default 1 MiB while unknown.
func (p *Publisher) maxPayload() int {
	if mp := p.js.Conn().MaxPayload(); mp > 0 {
		return int(mp)
	}
	return 1 << 20
}

// encodeResult encodes r so that it fits the server's max payload
// (DESIGN.md "Result"): a result too large goes without its segments, then
// without its text, then with its error message cut short, then without
// its metadata, and lists in Truncated what it left out. r itself is not
// changed. A result that does not fit even so (a server max payload of a
// few KiB) is an ErrTooLarge. headerBytes is the size of the result's own
// headers (its trace context).
func (p *Publisher) encodeResult(r *job.Result, headerBytes int) ([]byte, error) {
	limit := p.maxPayload() - publishOverhead - headerBytes
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("queue: encode result %s: %w", r.JobID, err)
	}
	if len(data) <= limit {
		return data, nil
	}
	c := *r
	c.Truncated = append([]string(nil), r.Truncated...)
	for _, cut := range []struct {
		what  string
		apply func() bool // false: nothing to cut
	}{
		{job.TruncatedSegments, func() bool {
			if len(c.Segments) == 0 {
				return false
			}
			c.Segments = []job.Segment{}
			return true
		}},
		{job.TruncatedText, func() bool {
			if c.Text == "" {
				return false
			}
			c.Text = ""
			return true
		}},
		{job.TruncatedErrorMessage, func() bool {
			if c.Error == nil || len(c.Error.Message) <= maxTruncatedError {
				return false
			}
			e := *c.Error
			e.Message = oneLine(e.Message, maxTruncatedError)
			c.Error = &e
			return true
		}},
		{job.TruncatedMetadata, func() bool {
			if len(c.Metadata) == 0 {
				return false
			}
			c.Metadata = nil
			return true
		}},
	} {
		if !cut.apply() {
			continue
		}
		c.Truncated = append(c.Truncated, cut.what)
		if data, err = json.Marshal(&c); err != nil {
			return nil, fmt.Errorf("queue: encode result %s: %w", r.JobID, err)
		}
		if len(data) <= limit {
			return data, nil
		}
	}
	return nil, fmt.Errorf("queue: result %s is %d bytes even cut short, more than the server's max payload %d allows: %w",
		r.JobID, len(data), p.maxPayload(), ErrTooLarge)
}

// tooLarge wraps err in ErrTooLarge when the message was refused for its
// size, by the client (the server's max payload) or by the stream.
func tooLarge(err error) error {
	var apiErr *jetstream.APIError
	if errors.Is(err, nats.ErrMaxPayload) ||
		(errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return err
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
