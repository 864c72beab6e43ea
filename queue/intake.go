package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Intake defaults.
const (
	// DefaultPollWait is how long one pull request waits on the server for
	// a message before Next issues the next one.
	DefaultPollWait = 5 * time.Second
	// DefaultRetryMin and DefaultRetryMax bound the back-off between
	// attempts while the broker is unreachable.
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 5 * time.Second
)

// minPollWait is the shortest pull request Next issues; a context with less
// time left ends Next without pulling, so that a message never arrives just
// as its receiver gives up.
const minPollWait = 100 * time.Millisecond

// IntakeOption tunes an Intake.
type IntakeOption func(*Intake)

// IntakePollWait sets how long each pull request waits on the server
// (default DefaultPollWait). It bounds nothing the caller sees — Next keeps
// polling until a message arrives or its context ends — but sets how often an
// idle worker talks to the server.
func IntakePollWait(d time.Duration) IntakeOption {
	return func(in *Intake) {
		if d >= minPollWait {
			in.pollWait = d
		}
	}
}

// IntakeRetry sets the back-off bounds between attempts while the broker is
// unreachable (default DefaultRetryMin, DefaultRetryMax).
func IntakeRetry(minWait, maxWait time.Duration) IntakeOption {
	return func(in *Intake) {
		if minWait > 0 && maxWait >= minWait {
			in.retryMin, in.retryMax = minWait, maxWait
		}
	}
}

// IntakeLogger sets the logger for retried broker errors (default
// slog.Default()).
func IntakeLogger(l *slog.Logger) IntakeOption {
	return func(in *Intake) {
		if l != nil {
			in.log = l
		}
	}
}

// Intake pulls job messages from the shared durable consumer, one at a time
// and only when asked. It is the reserve-then-poll half of admission: the
// caller reserves the buffer its first stage needs, then calls Next. Nothing
// is pre-fetched, so the server never counts a message against this worker
// before the worker can start it, and other workers take what this one
// cannot.
//
// An Intake is safe for concurrent use; each Next call pulls at most one
// message.
type Intake struct {
	js       jetstream.JetStream
	stream   string
	consumer string
	pollWait time.Duration
	retryMin time.Duration
	retryMax time.Duration
	log      *slog.Logger

	mu     sync.Mutex
	cons   jetstream.Consumer // nil until bound, and again after the consumer vanished
	policy redeliveryPolicy

	abandoned sync.WaitGroup // pull requests outliving a cancelled Next
}

// NewIntake returns an Intake for the consumer cfg.Consumer on
// cfg.JobsStream. It does no I/O: the consumer is looked up by the first
// Next (it must exist by then; see Provision).
func NewIntake(js jetstream.JetStream, cfg Config, opts ...IntakeOption) *Intake {
	cfg = cfg.WithDefaults()
	in := &Intake{
		js:       js,
		stream:   cfg.JobsStream,
		consumer: cfg.Consumer,
		pollWait: DefaultPollWait,
		retryMin: DefaultRetryMin,
		retryMax: DefaultRetryMax,
		log:      slog.Default(),
	}
	for _, opt := range opts {
		opt(in)
	}
	in.log = in.log.With(slog.String("component", "intake"), slog.String("stream", in.stream), slog.String("consumer", in.consumer))
	return in
}

// Next blocks until the server hands this worker exactly one message, and
// returns it. It polls with single-message pull requests of the configured
// poll wait, so an empty queue costs one request per poll wait and nothing
// is held in a client-side buffer.
//
// Broker trouble — a disconnect, a server restart, a consumer that does not
// exist yet — is logged and retried with back-off; Next returns only a
// message, ctx.Err() once ctx ends, or an error that retrying cannot fix
// (the connection was closed).
func (in *Intake) Next(ctx context.Context) (*Delivery, error) {
	backoff := in.retryMin
	failing := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < minPollWait {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		d, err := in.poll(ctx)
		if d != nil {
			if failing {
				in.log.Info("broker reachable again")
			}
			return d, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if err == nil { // nothing to do: poll again at once
			if failing {
				in.log.Info("broker reachable again")
			}
			backoff, failing = in.retryMin, false
			continue
		}
		if fatal(err) {
			return nil, fmt.Errorf("queue: next job: %w", err)
		}
		if !failing {
			in.log.Warn("pulling a job failed, retrying", slog.Any("error", err))
		} else {
			in.log.Debug("pulling a job failed, retrying", slog.Any("error", err), slog.Duration("backoff", backoff))
		}
		failing = true
		if err := sleep(ctx, backoff); err != nil {
			return nil, err
		}
		backoff = min(backoff*2, in.retryMax)
	}
}

// Wait blocks until the pull requests that cancelled Next calls left
// running have ended (at most one poll wait), each message they brought
// handed back to the server. Call it once the last Next has returned.
func (in *Intake) Wait() { in.abandoned.Wait() }

// poll issues one single-message pull request. It returns a delivery, or
// (nil, nil) when the request expired empty, or the error to retry on.
func (in *Intake) poll(ctx context.Context) (*Delivery, error) {
	switch st := in.js.Conn().Status(); st {
	case nats.CONNECTED:
	case nats.CLOSED:
		return nil, nats.ErrConnectionClosed
	default:
		// Pull requests would pile up in the reconnect buffer; wait instead.
		return nil, fmt.Errorf("%w (%s)", ErrNotConnected, st)
	}
	cons, policy, err := in.bind(ctx)
	if err != nil {
		return nil, err
	}
	// The pull request is not cut short when ctx ends: the server may have
	// handed it a message already, and a closed reply inbox would strand that
	// message on the server until ACK_WAIT. The request runs out its poll
	// wait in the background instead (FetchContext makes the server expire it
	// a little before pctx ends), and a message it brings after ctx ended is
	// handed back at once (see Wait). Next itself returns at once.
	type result struct {
		msg jetstream.Msg
		err error
	}
	got := make(chan result)
	abandon := make(chan struct{})
	in.abandoned.Add(1)
	go func() {
		defer in.abandoned.Done()
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.pollWait)
		defer cancel()
		msg, err := cons.Next(jetstream.FetchContext(pctx))
		select {
		case got <- result{msg, err}:
		case <-abandon:
			if err == nil {
				_ = msg.Nak()
			}
		}
	}()
	var msg jetstream.Msg
	select {
	case r := <-got:
		msg, err = r.msg, r.err
	case <-ctx.Done():
		close(abandon)
		return nil, ctx.Err()
	}
	if err == nil && ctx.Err() != nil {
		_ = msg.Nak()
		return nil, ctx.Err()
	}
	switch {
	case err == nil:
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoMessages):
		return nil, nil
	case errors.Is(err, context.DeadlineExceeded):
		return nil, nil // our poll window ran out
	case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrConsumerDoesNotExist), errors.Is(err, jetstream.ErrStreamNotFound):
		in.unbind()
		return nil, err
	default:
		return nil, err
	}
	meta, err := msg.Metadata()
	if err != nil {
		// Cannot happen for a message from a pull consumer; hand it back
		// rather than guess.
		_ = msg.Nak()
		return nil, fmt.Errorf("queue: message on %s without JetStream metadata: %w", msg.Subject(), err)
	}
	return newDelivery(msg, meta, policy, in.log), nil
}

// bind looks the consumer up once and caches it with its redelivery policy.
func (in *Intake) bind(ctx context.Context) (jetstream.Consumer, redeliveryPolicy, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cons != nil {
		return in.cons, in.policy, nil
	}
	cons, err := in.js.Consumer(ctx, in.stream, in.consumer)
	if err != nil {
		return nil, redeliveryPolicy{}, fmt.Errorf("queue: look up consumer %s on %s: %w", in.consumer, in.stream, err)
	}
	cc := cons.CachedInfo().Config
	in.cons = cons
	in.policy = redeliveryPolicy{ackWait: cc.AckWait, backOff: cc.BackOff, maxDeliver: cc.MaxDeliver}
	return in.cons, in.policy, nil
}

// unbind drops the cached consumer so the next poll looks it up again.
func (in *Intake) unbind() {
	in.mu.Lock()
	in.cons = nil
	in.mu.Unlock()
}

// fatal reports errors that retrying cannot fix.
func fatal(err error) bool {
	return errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, jetstream.ErrInvalidOption)
}

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
