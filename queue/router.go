package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// routedIDPrefix starts the Nats-Msg-Id of a routed job: "route:" and the
// stream sequence of the message it came from. A redelivered message routed
// again is stored once, and no job_id (which has no ':') can collide.
const routedIDPrefix = "route:"

// publishedHeader carries, on a routed job, when it was published on
// JobsSubject (Delivery.Published).
const publishedHeader = "Xdna-Published"

// Router moves each message published on JobsSubject to the lane of its
// priority (LaneSubject), in the same stream, and only then acknowledges
// it. It reads nothing but the message's "priority" (job.PriorityOf): a
// message that is not a valid job goes to the normal lane, where the worker
// that takes it answers it as before (a failed result or a dead letter).
// The headers travel on (the trace context among them), except the
// server's Nats-* ones.
//
// Every worker runs one; the routers share the durable consumer Consumer,
// so each message is routed once. Routing holds a message only for the
// round trip of its copy, and does not run it: admission is the Intake's.
type Router struct {
	js  jetstream.JetStream
	cfg Config
	pub *Publisher
	log *slog.Logger
	// routed is told the priority of each message routed.
	routed func(job.Priority)
	// deadLettered is told the reason kind of each message dead-lettered.
	deadLettered func(reason string)
}

// RouterOption tunes a Router.
type RouterOption func(*Router)

// RouterRouted has the Router call f with the priority of each message it
// routes (for metrics).
func RouterRouted(f func(job.Priority)) RouterOption {
	return func(r *Router) { r.routed = f }
}

// RouterDeadLettered has the Router call f with the reason (ReasonTooLarge)
// of each message it dead-letters (for metrics).
func RouterDeadLettered(f func(reason string)) RouterOption {
	return func(r *Router) { r.deadLettered = f }
}

// NewRouter returns a Router for the jobs stream of cfg; Provision must
// have run.
func NewRouter(js jetstream.JetStream, cfg Config, log *slog.Logger, opts ...RouterOption) *Router {
	if log == nil {
		log = slog.Default()
	}
	r := &Router{js: js, cfg: cfg.WithDefaults(), pub: NewPublisher(js, cfg), log: log.With(slog.String("component", "router")),
		routed: func(job.Priority) {}, deadLettered: func(string) {}}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Run routes messages until ctx ends, and returns ctx.Err().
func (r *Router) Run(ctx context.Context) error {
	return consume(ctx, r.js, r.cfg.JobsStream, r.cfg.Consumer, "router", r.log, r.route)
}

// route copies msg to its lane and acknowledges it; a copy that fails is
// retried by handing msg back with a delay (after MaxDeliver attempts the
// rescuer dead-letters it).
func (r *Router) route(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		_ = msg.Nak()
		return
	}
	p := job.PriorityOf(msg.Data())
	out := &nats.Msg{Subject: r.cfg.LaneSubject(p), Data: msg.Data(), Header: nats.Header{}}
	for k, v := range msg.Headers() {
		if lk := strings.ToLower(k); !strings.HasPrefix(lk, "nats-") && lk != strings.ToLower(publishedHeader) {
			out.Header[k] = v
		}
	}
	out.Header.Set(publishedHeader, meta.Timestamp.UTC().Format(time.RFC3339Nano))
	_, err = r.js.PublishMsg(ctx, out,
		jetstream.WithMsgID(routedIDPrefix+strconv.FormatUint(meta.Sequence.Stream, 10)),
		jetstream.WithExpectStream(r.cfg.JobsStream))
	if errors.Is(tooLarge(err), ErrTooLarge) {
		// No job is this large (a valid one is far below the server's
		// max payload): it cannot move, and would block no one if kept, but
		// would come back for ever. Dead-letter it, cut short as need be.
		r.deadLetter(ctx, msg, meta, fmt.Sprintf("%s: %d bytes, too large to move to the %s lane", ReasonTooLarge, len(msg.Data()), p), err)
		return
	}
	if err != nil {
		if ctx.Err() != nil {
			_ = msg.Nak()
			return
		}
		delay := routeRetryDelay(meta.NumDelivered)
		r.log.Warn("routing a job failed; will retry", "stream_seq", meta.Sequence.Stream, "priority", p,
			"attempt", meta.NumDelivered, "retry_in", delay, "err", tooLarge(err))
		_ = msg.NakWithDelay(delay)
		return
	}
	// The copy is stored: acknowledge even as the worker stops. A lost ack
	// means a redelivery whose copy the stream drops as a duplicate (within
	// DuplicateWindow).
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		r.log.Debug("acknowledging a routed job failed; its redelivery will be dropped as a duplicate", "stream_seq", meta.Sequence.Stream, "err", err)
	}
	r.routed(p)
}

// ReasonTooLarge is the DLQ reason of a message on the jobs subject too
// large for the router to copy to its lane.
const ReasonTooLarge = "too_large"

// deadLetter moves msg to the DLQ, then terminates it; a dead letter that
// fails is retried as a failed copy is.
func (r *Router) deadLetter(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, reason string, cause error) {
	if err := r.pub.deadLetterTaken(ctx, msg, meta.Stream, reason, cause); err != nil {
		r.log.Warn("dead-lettering a job too large to route failed; will retry", "stream_seq", meta.Sequence.Stream, "err", err)
		_ = msg.NakWithDelay(routeRetryDelay(meta.NumDelivered))
		return
	}
	r.log.Warn("dead-lettered a message too large to route", "stream_seq", meta.Sequence.Stream, "bytes", len(msg.Data()))
	r.deadLettered(ReasonTooLarge)
}

// routeRetryDelay is how long a message whose routing failed on its
// attempt-th delivery waits before the next: a second per attempt, at
// most ten.
func routeRetryDelay(attempt uint64) time.Duration {
	return min(time.Duration(attempt)*time.Second, 10*time.Second)
}
