package queue

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// minKeepAliveInterval bounds KeepAlive's ticker from below.
const minKeepAliveInterval = 10 * time.Millisecond

// maxTermReason bounds the reason sent with Term; the server puts it into
// an advisory.
const maxTermReason = 256

// redeliveryPolicy is the part of the consumer's configuration a delivery
// needs to know how long it may run and whether it is the last try.
type redeliveryPolicy struct {
	ackWait    time.Duration
	backOff    []time.Duration
	maxDeliver int
}

// Delivery is one job message handed to this worker by Intake.Next. It must
// be settled exactly once with Ack, NakWithDelay or Term; until then the
// server counts it as pending against this consumer and redelivers it when
// AckWait passes without a KeepAlive heartbeat.
//
// A Delivery is safe for concurrent use.
type Delivery struct {
	msg      jetstream.Msg
	meta     jetstream.MsgMetadata
	policy   redeliveryPolicy
	received time.Time
	priority job.Priority
	log      *slog.Logger

	settleOnce sync.Once
	settled    chan struct{} // closed once settled; stops KeepAlive tickers
}

func newDelivery(msg jetstream.Msg, meta *jetstream.MsgMetadata, p redeliveryPolicy, log *slog.Logger) *Delivery {
	return &Delivery{
		msg:      msg,
		meta:     *meta,
		policy:   p,
		received: time.Now(),
		log:      log,
		settled:  make(chan struct{}),
	}
}

// Data returns the message payload. It must not be modified.
func (d *Delivery) Data() []byte { return d.msg.Data() }

// Subject returns the subject the message was published on.
func (d *Delivery) Subject() string { return d.msg.Subject() }

// Priority returns the priority of the lane the message was taken from
// (normal for a delivery not taken by an Intake).
func (d *Delivery) Priority() job.Priority { return d.priority.OrNormal() }

// Headers returns the message headers (nil when there are none).
func (d *Delivery) Headers() nats.Header { return d.msg.Headers() }

// Attempt is the delivery count of the message, 1 on its first delivery.
func (d *Delivery) Attempt() int { return int(d.meta.NumDelivered) }

// LastAttempt reports whether the server will not deliver this message
// again if this attempt does not settle it: on the last attempt a transient
// failure must become a failed result, not a Nak.
func (d *Delivery) LastAttempt() bool {
	return d.policy.maxDeliver > 0 && d.Attempt() >= d.policy.maxDeliver
}

// Published is when the job was stored on the jobs subject (for a routed
// job, before it moved to its lane); Received minus Published is the time
// the job waited in the queue.
func (d *Delivery) Published() time.Time {
	// A routed job carries the time of its first publish (set by the
	// Router, which replaces any a publisher sent); its own is the copy's.
	if t, err := time.Parse(time.RFC3339Nano, d.msg.Headers().Get(publishedHeader)); err == nil && !t.After(d.meta.Timestamp) {
		return t
	}
	return d.meta.Timestamp
}

// Received is when Intake.Next received the message.
func (d *Delivery) Received() time.Time { return d.received }

// Stream is the name of the stream holding the message.
func (d *Delivery) Stream() string { return d.meta.Stream }

// StreamSeq is the message's sequence number in its stream: a stable id of
// the message across redeliveries.
func (d *Delivery) StreamSeq() uint64 { return d.meta.Sequence.Stream }

// AckWait is how long the server waits, on this attempt, for an ack or an
// InProgress heartbeat before it redelivers: the consumer's AckWait, or its
// BackOff step for this attempt when BackOff is set.
func (d *Delivery) AckWait() time.Duration {
	if n := len(d.policy.backOff); n > 0 {
		i := min(max(d.Attempt()-1, 0), n-1)
		return d.policy.backOff[i]
	}
	return d.policy.ackWait
}

// KeepAlive tells the server every interval that this message is still being
// worked on, which restarts its AckWait clock. An interval <= 0 means a third
// of AckWait(). The heartbeats stop when stop is called, when ctx ends or
// when the delivery is settled; stop waits for the heartbeat goroutine to
// exit and may be called any number of times.
func (d *Delivery) KeepAlive(ctx context.Context, interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = d.AckWait() / 3
	}
	interval = max(interval, minKeepAliveInterval)
	ctx, cancel := context.WithCancel(ctx)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-d.settled:
				return
			case <-t.C:
				err := d.msg.InProgress()
				if errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
					return
				}
				if err != nil {
					d.log.Warn("keep-alive failed", slog.Uint64("stream_seq", d.StreamSeq()), slog.Any("error", err))
				}
			}
		}
	}()
	return func() {
		cancel()
		<-exited
	}
}

// Ack acknowledges the message and waits until the server confirms it, so a
// nil error means the job will not be redelivered. Ack only after the result
// is published.
func (d *Delivery) Ack(ctx context.Context) error {
	if err := d.msg.DoubleAck(ctx); err != nil {
		return err
	}
	d.settle()
	return nil
}

// NakWithDelay hands the message back for redelivery after delay; use it
// for transient failures. It does not wait for the server.
func (d *Delivery) NakWithDelay(delay time.Duration) error {
	var err error
	if delay > 0 {
		err = d.msg.NakWithDelay(delay)
	} else {
		err = d.msg.Nak()
	}
	if err == nil {
		d.settle()
	}
	return err
}

// Term tells the server never to deliver the message again, whatever
// MaxDeliver says; use it after a failed result or a dead letter. The reason
// (shortened to one line of at most 256 bytes) appears in the server's
// advisory. It does not wait for the server.
func (d *Delivery) Term(reason string) error {
	reason = oneLine(reason, maxTermReason)
	var err error
	if reason == "" {
		err = d.msg.Term()
	} else {
		err = d.msg.TermWithReason(reason)
	}
	if err == nil {
		d.settle()
	}
	return err
}

func (d *Delivery) settle() {
	d.settleOnce.Do(func() { close(d.settled) })
}

// oneLine folds s onto one line and truncates it to at most n bytes without
// splitting a UTF-8 sequence.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}
