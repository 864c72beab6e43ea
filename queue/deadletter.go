package queue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a dead letter. The payload is the original message, byte for
// byte; the original's own headers are kept, except the server's Nats-*
// ones.
const (
	// HeaderDLQReason says why the message is not a job.
	HeaderDLQReason = "Xdna-Dlq-Reason"
	// HeaderDLQSubject is the subject the message was published on.
	HeaderDLQSubject = "Xdna-Dlq-Subject"
	// HeaderDLQStream and HeaderDLQSequence locate the original message.
	HeaderDLQStream   = "Xdna-Dlq-Stream"
	HeaderDLQSequence = "Xdna-Dlq-Sequence"
	// HeaderDLQAttempts is the delivery count when it was dead-lettered.
	HeaderDLQAttempts = "Xdna-Dlq-Attempts"
	// HeaderDLQPublished is when the original was stored (RFC 3339).
	HeaderDLQPublished = "Xdna-Dlq-Published"
	// HeaderDLQTruncated is set when the payload is only the head of the
	// original, which was too large to copy whole under the server's max
	// payload: it is the original's size in bytes.
	HeaderDLQTruncated = "Xdna-Dlq-Truncated"
	// HeaderDLQHeadersDropped is "true" when the original's own headers
	// were too large to keep.
	HeaderDLQHeadersDropped = "Xdna-Dlq-Headers-Dropped"
)

// maxDLQReason bounds the reason header.
const maxDLQReason = 1024

// DeadLetterID is the Nats-Msg-Id of the dead letter of the message with
// sequence seq in stream: the same for every delivery of that message, so a
// redelivered poison message is dead-lettered once.
func DeadLetterID(stream string, seq uint64) string {
	return "dlq-" + stream + "-" + strconv.FormatUint(seq, 10)
}

// HeaderDLQLastError is the last error a worker saw, when there was one.
const HeaderDLQLastError = "Xdna-Dlq-Last-Error"

// DeadLetter copies the delivered message, payload untouched, to DLQSubject
// with headers saying why, after how many attempts, with which last error
// (may be nil) and where it came from, and waits for DLQ to store it. The
// caller then Terms the delivery. Dead-lettering the same stream message
// again within the duplicate window stores nothing and is not an error.
// The trace context of ctx, if any, replaces the original's in the copy.
func (p *Publisher) DeadLetter(ctx context.Context, d *Delivery, reason string, lastErr error) error {
	return p.deadLetter(ctx, stored{
		data: d.Data(), header: d.Headers(), subject: d.Subject(), stream: d.Stream(),
		seq: d.StreamSeq(), published: d.Published(), attempts: d.Attempt(),
	}, reason, lastErr)
}

// deadLetterTaken copies msg, taken from a consumer on stream, to the DLQ
// as DeadLetter does, then terminates it with the kind of reason (the part
// before its first ':'). It returns the error of a dead letter that was
// not stored, and leaves msg unsettled then: the caller hands it back.
func (p *Publisher) deadLetterTaken(ctx context.Context, msg jetstream.Msg, stream, reason string, lastErr error) error {
	m := stored{data: msg.Data(), header: msg.Headers(), subject: msg.Subject(), stream: stream}
	if meta, err := msg.Metadata(); err == nil {
		m.stream, m.seq, m.published, m.attempts = meta.Stream, meta.Sequence.Stream, meta.Timestamp, int(meta.NumDelivered)
	}
	if err := p.deadLetter(ctx, m, reason, lastErr); err != nil {
		return err
	}
	kind, _, _ := strings.Cut(reason, ":")
	_ = msg.TermWithReason(kind)
	return nil
}

// stored is a message as it sits in a stream.
type stored struct {
	data      []byte
	header    nats.Header
	subject   string
	stream    string
	seq       uint64
	published time.Time
	attempts  int
}

func (p *Publisher) deadLetter(ctx context.Context, m stored, reason string, lastErr error) error {
	h := nats.Header{}
	for k, v := range m.header {
		if strings.HasPrefix(strings.ToLower(k), "nats-") {
			continue
		}
		h[k] = append([]string(nil), v...)
	}
	// The worker's span, when it has one, becomes the parent of whatever
	// an operator does with the dead letter; otherwise the trace context
	// the original came with stays as it was.
	InjectTrace(ctx, h)
	h.Set(HeaderDLQReason, oneLine(reason, maxDLQReason))
	if lastErr != nil {
		h.Set(HeaderDLQLastError, oneLine(lastErr.Error(), maxDLQReason))
	}
	h.Set(HeaderDLQSubject, m.subject)
	h.Set(HeaderDLQStream, m.stream)
	h.Set(HeaderDLQSequence, strconv.FormatUint(m.seq, 10))
	h.Set(HeaderDLQAttempts, strconv.Itoa(m.attempts))
	h.Set(HeaderDLQPublished, m.published.UTC().Format(time.RFC3339Nano))
	data := m.data
	if limit := p.maxPayload() - publishOverhead; headerLen(h)+len(data) > limit {
		// The original does not fit beside the headers: keep its head,
		// and say how long it was. Its stream and sequence locate it
		// while the stream still holds it.
		h.Set(HeaderDLQTruncated, strconv.Itoa(len(m.data)))
		if headerLen(h) > limit/2 {
			// Its own headers are the bulk of it: only ours are kept.
			for k := range h {
				if !strings.HasPrefix(k, "Xdna-Dlq-") {
					delete(h, k)
				}
			}
			h.Set(HeaderDLQHeadersDropped, "true")
		}
		data = data[:max(0, min(len(data), limit-headerLen(h)))]
	}
	msg := &nats.Msg{Subject: p.cfg.DLQSubject, Data: data, Header: h}
	if _, err := p.js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(DeadLetterID(m.stream, m.seq)),
		jetstream.WithExpectStream(p.cfg.DLQStream),
	); err != nil {
		return fmt.Errorf("queue: dead-letter %s #%d: %w", m.stream, m.seq, tooLarge(err))
	}
	return nil
}

// headerLen is the size of h on the wire.
func headerLen(h nats.Header) int {
	n := len("NATS/1.0\r\n\r\n")
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(": \r\n") + len(v)
		}
	}
	return n
}
