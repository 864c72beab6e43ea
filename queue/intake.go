package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// Intake defaults.
const (
	// DefaultPollWait is how long an idle Next waits before it looks at
	// the lanes again, when no job published on them woke it earlier.
	DefaultPollWait = 5 * time.Second
	// DefaultRetryMin and DefaultRetryMax bound the back-off between
	// attempts while the broker is unreachable.
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 5 * time.Second
)

// settleDelays are the pauses before the no-wait pulls an intake woken by
// a job makes again on that job's lane when its first pulls found nothing.
// The wake-up (a core NATS message) can overtake the stream's store of the
// same publish, so a pull right after it may find the lane still empty;
// without these, the job would wait for the next wake-up or poll wait (5
// of 100 jobs on an idle worker did). No-wait pulls, not one pull the
// server holds: a held pull outstanding when the server restarts can be
// answered after its client gave up, and the job it carries then waits
// out its ack wait.
var settleDelays = []time.Duration{2 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond}

// minPollWait is the shortest poll wait IntakePollWait accepts; a context
// with less time left ends Next without pulling, so that a message seldom
// arrives just as its receiver gives up (one that does is handed back).
const minPollWait = 100 * time.Millisecond

// IntakeOption tunes an Intake.
type IntakeOption func(*Intake)

// IntakePollWait sets how long an idle Next waits before it looks at the
// lanes again (default DefaultPollWait) when no job published on a lane
// woke it: it bounds how long a redelivered job waits for an idle worker,
// and sets how often an idle worker talks to the server.
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

// Intake pulls job messages from the three priority lanes, one at a time
// and only when asked. It is the reserve-then-poll half of admission: the
// caller reserves the buffer its first stage needs, then calls Next. Nothing
// is pre-fetched, so the server never counts a message against this worker
// before the worker can start it, and other workers take what this one
// cannot.
//
// The policy. Each Next takes one message with no-wait pulls, trying the
// lanes in order: high, normal, low. Every LowerEvery-th message taken
// (Config.LowerEvery, default 8) tries the lower lanes first instead —
// low, normal, high and normal, low, high in turn — so that a stream of
// high jobs leaves each lower lane at least one take in 2·LowerEvery, and
// neither starves.
//
// The bound. A high job waits for no queued job of a lower priority, however
// many: only for jobs already running. As LowerEvery is at least 2, no two
// takes in a row pass over it, so once it is in its lane it starts at the
// first or second slot a worker frees: with two slots or more, before every
// slot running at its arrival has finished that job.
//
// When every lane is empty, Next waits for a job to be published on one
// (a core NATS subscription to the lanes wakes it) or for the poll wait to
// pass (which finds redeliveries), then tries again. Woken by a job, it
// follows its no-wait pulls, if they find nothing, with a few more on that
// job's lane over some 60 ms (settleDelays): the wake-up can come before
// the stream has stored the job. Only one Next of an
// Intake pulls at a time; the others queue behind it.
//
// An Intake is safe for concurrent use; each Next call takes at most one
// message.
type Intake struct {
	js         jetstream.JetStream
	stream     string
	lanes      []*lane // high, normal, low
	lowerEvery uint64
	pollWait   time.Duration
	retryMin   time.Duration
	retryMax   time.Duration
	log        *slog.Logger

	turn   chan struct{} // held by the one Next that pulls
	taken  uint64        // messages taken; guarded by turn
	looked atomic.Int64  // when a look at the lanes last ended without error (Unix ns)

	mu    sync.Mutex
	subs  []*nats.Subscription // the lanes' wake-up subscriptions, once made
	wake  chan struct{}        // closed and replaced when a lane gets a job
	woken *lane                // the lane whose job last closed wake
}

// lane is the consumer of one priority.
type lane struct {
	priority job.Priority
	subject  string
	consumer string
	cons     jetstream.Consumer // nil until bound, and again after the consumer vanished; guarded by Intake.mu
	policy   redeliveryPolicy
}

// NewIntake returns an Intake for the lane consumers of cfg on
// cfg.JobsStream. It does no I/O: the consumers are looked up by the first
// Next (they must exist by then; see Provision).
func NewIntake(js jetstream.JetStream, cfg Config, opts ...IntakeOption) *Intake {
	cfg = cfg.WithDefaults()
	in := &Intake{
		js:         js,
		stream:     cfg.JobsStream,
		lowerEvery: uint64(max(cfg.LowerEvery, 2)),
		pollWait:   DefaultPollWait,
		retryMin:   DefaultRetryMin,
		retryMax:   DefaultRetryMax,
		log:        slog.Default(),
		turn:       make(chan struct{}, 1),
		wake:       make(chan struct{}),
	}
	for _, p := range job.Priorities {
		in.lanes = append(in.lanes, &lane{priority: p, subject: cfg.LaneSubject(p), consumer: cfg.LaneConsumer(p)})
	}
	for _, opt := range opts {
		opt(in)
	}
	in.log = in.log.With(slog.String("component", "intake"), slog.String("stream", in.stream))
	return in
}

// Next blocks until this worker takes exactly one message, and returns it.
//
// Broker trouble — a disconnect, a server restart, a consumer that does not
// exist yet — is logged and retried with back-off; Next returns only a
// message, ctx.Err() once ctx ends, or an error that retrying cannot fix
// (the connection was closed).
func (in *Intake) Next(ctx context.Context) (*Delivery, error) {
	select {
	case in.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-in.turn }()
	backoff := in.retryMin
	failing := false
	var settle *lane // the lane of the job that woke this Next, once
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < minPollWait {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		woken := in.listen()
		d, err := in.take(ctx)
		if d == nil && err == nil && settle != nil {
			if d, err = in.settle(ctx, settle); d != nil {
				in.taken++
			}
		}
		settle = nil
		if err == nil {
			in.looked.Store(time.Now().UnixNano())
		}
		if d != nil {
			if failing {
				in.log.Info("broker reachable again")
			}
			return d, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if err == nil { // every lane empty: wait for a job, then try again
			if failing {
				in.log.Info("broker reachable again")
			}
			backoff, failing = in.retryMin, false
			if settle, err = in.idle(ctx, woken); err != nil {
				return nil, err
			}
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

// Looked returns when a Next last looked at every lane it had to without
// an error (the zero time before the first). A Next that waits for jobs
// looks at least once a poll wait, so a Next that has not looked for much
// longer is wedged.
func (in *Intake) Looked() time.Time {
	if ns := in.looked.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// settle pulls lane l again after each of settleDelays until it finds a
// message (or an error, or ctx ends).
func (in *Intake) settle(ctx context.Context, l *lane) (*Delivery, error) {
	for _, pause := range settleDelays {
		if err := sleep(ctx, pause); err != nil {
			return nil, err
		}
		if d, err := in.pull(ctx, l); d != nil || err != nil {
			return d, err
		}
	}
	return nil, nil
}

// idle waits until a job is published on a lane (woken closes; it returns
// that lane), the poll wait passes, or ctx ends.
func (in *Intake) idle(ctx context.Context, woken <-chan struct{}) (*lane, error) {
	t := time.NewTimer(in.pollWait)
	defer t.Stop()
	select {
	case <-woken:
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.woken, nil
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// PollWait returns how long an idle Next waits before it looks at the lanes
// again (IntakePollWait): the longest a Next that waits for jobs goes
// without a look.
func (in *Intake) PollWait() time.Duration { return in.pollWait }

// Close ends the lanes' wake-up subscriptions. Call it once the last Next
// has returned; a later Next makes them again.
func (in *Intake) Close() {
	in.mu.Lock()
	subs := in.subs
	in.subs = nil
	in.mu.Unlock()
	for _, s := range subs {
		_ = s.Unsubscribe()
	}
}

// listen makes the lanes' wake-up subscriptions if they are not there, and
// returns the channel the next job published on a lane closes. Without
// them (a user not allowed to subscribe, a broken connection) Next still
// finds every job, one poll wait later at most.
func (in *Intake) listen() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.subs == nil && in.js.Conn().Status() == nats.CONNECTED {
		var subs []*nats.Subscription
		for _, l := range in.lanes {
			s, err := in.js.Conn().Subscribe(l.subject, in.woke)
			if err != nil {
				in.log.Debug("cannot follow a lane; polling it instead", "subject", l.subject, "err", err)
				continue
			}
			subs = append(subs, s)
		}
		in.subs = subs
	}
	return in.wake
}

// woke is the wake-up subscriptions' handler.
func (in *Intake) woke(m *nats.Msg) {
	in.mu.Lock()
	for _, l := range in.lanes {
		if l.subject == m.Subject {
			in.woken = l
		}
	}
	close(in.wake)
	in.wake = make(chan struct{})
	in.mu.Unlock()
}

// order is the order in which the lanes are tried for the n-th message
// taken (from 1).
func (in *Intake) order(n uint64) []*lane {
	high, normal, low := in.lanes[0], in.lanes[1], in.lanes[2]
	switch {
	case n%in.lowerEvery != 0:
		return []*lane{high, normal, low}
	case (n/in.lowerEvery)%2 == 1:
		return []*lane{low, normal, high}
	default:
		return []*lane{normal, low, high}
	}
}

// take tries the lanes in the policy's order with one no-wait pull each,
// and returns the first message, or (nil, nil) when every lane is empty,
// or the error to retry on.
func (in *Intake) take(ctx context.Context) (*Delivery, error) {
	switch st := in.js.Conn().Status(); st {
	case nats.CONNECTED:
	case nats.CLOSED:
		return nil, nats.ErrConnectionClosed
	default:
		// Pull requests would pile up in the reconnect buffer; wait instead.
		return nil, fmt.Errorf("%w (%s)", ErrNotConnected, st)
	}
	for _, l := range in.order(in.taken + 1) {
		d, err := in.pull(ctx, l)
		if err != nil || d != nil {
			if d != nil {
				in.taken++
			}
			return d, err
		}
	}
	return nil, nil
}

// pull issues one no-wait single-message pull request on lane l. The server
// answers at once, with a message or with none; a message that comes after
// ctx ended is handed back.
func (in *Intake) pull(ctx context.Context, l *lane) (*Delivery, error) {
	cons, policy, err := in.bind(ctx, l)
	if err != nil {
		return nil, err
	}
	batch, err := cons.FetchNoWait(1)
	var msg jetstream.Msg
	if err == nil {
		for m := range batch.Messages() {
			msg = m
		}
		if msg == nil {
			err = batch.Error()
		}
	}
	if msg != nil && ctx.Err() != nil {
		_ = msg.Nak()
		return nil, ctx.Err()
	}
	switch {
	case msg != nil:
	case err == nil, errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoMessages):
		return nil, nil
	case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrConsumerDoesNotExist), errors.Is(err, jetstream.ErrStreamNotFound):
		in.unbind(l)
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
	d := newDelivery(msg, meta, policy, in.log)
	d.priority = l.priority
	return d, nil
}

// bind looks the consumer of lane l up once and caches it with its
// redelivery policy.
func (in *Intake) bind(ctx context.Context, l *lane) (jetstream.Consumer, redeliveryPolicy, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if l.cons != nil {
		return l.cons, l.policy, nil
	}
	cons, err := in.js.Consumer(ctx, in.stream, l.consumer)
	if err != nil {
		return nil, redeliveryPolicy{}, fmt.Errorf("queue: look up consumer %s on %s: %w", l.consumer, in.stream, err)
	}
	cc := cons.CachedInfo().Config
	l.cons = cons
	l.policy = redeliveryPolicy{ackWait: cc.AckWait, backOff: cc.BackOff, maxDeliver: cc.MaxDeliver}
	return l.cons, l.policy, nil
}

// unbind drops the cached consumer of lane l so the next pull looks it up
// again.
func (in *Intake) unbind(l *lane) {
	in.mu.Lock()
	l.cons = nil
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
