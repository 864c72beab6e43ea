package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter is one entry of the DLQ stream.
type DeadLetter struct {
	Seq       uint64    `json:"seq"`                  // sequence in the DLQ stream
	JobID     string    `json:"job_id,omitempty"`     // when the payload names one
	Reason    string    `json:"reason"`               // why it was dead-lettered
	LastError string    `json:"last_error,omitempty"` // the last error a worker saw
	Attempts  int       `json:"attempts"`
	Stream    string    `json:"stream"`     // where the original was
	OrigSeq   uint64    `json:"stream_seq"` // its sequence there
	Subject   string    `json:"subject"`
	Published time.Time `json:"published"`
	// Truncated is the original payload's size when Data is only its
	// head (the original was too large to copy whole); 0 otherwise.
	Truncated int    `json:"truncated,omitempty"`
	Data      []byte `json:"-"`
}

// DeadLetters lists the DLQ, oldest first.
func DeadLetters(ctx context.Context, js jetstream.JetStream, cfg Config) ([]DeadLetter, error) {
	cfg = cfg.WithDefaults()
	s, err := js.Stream(ctx, cfg.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("queue: dlq: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue: dlq: %w", err)
	}
	var out []DeadLetter
	if info.State.Msgs == 0 {
		return out, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // deleted
		}
		if err != nil {
			return nil, fmt.Errorf("queue: dlq #%d: %w", seq, err)
		}
		out = append(out, parseDeadLetter(raw))
	}
	return out, nil
}

func parseDeadLetter(raw *jetstream.RawStreamMsg) DeadLetter {
	h := raw.Header
	d := DeadLetter{
		Seq: raw.Sequence, Reason: h.Get(HeaderDLQReason), LastError: h.Get(HeaderDLQLastError),
		Stream: h.Get(HeaderDLQStream), Subject: h.Get(HeaderDLQSubject), Data: raw.Data,
	}
	d.Attempts, _ = strconv.Atoi(h.Get(HeaderDLQAttempts))
	d.OrigSeq, _ = strconv.ParseUint(h.Get(HeaderDLQSequence), 10, 64)
	d.Published, _ = time.Parse(time.RFC3339Nano, h.Get(HeaderDLQPublished))
	d.Truncated, _ = strconv.Atoi(h.Get(HeaderDLQTruncated))
	var probe struct {
		ID string `json:"job_id"`
	}
	if json.Unmarshal(raw.Data, &probe) == nil {
		d.JobID = probe.ID
	}
	return d
}

// Replay publishes a dead letter's original payload to the jobs subject
// again and removes it from the DLQ. Replaying the same entry twice within
// the duplicate window enqueues it once.
func Replay(ctx context.Context, js jetstream.JetStream, cfg Config, seq uint64) error {
	cfg = cfg.WithDefaults()
	s, err := js.Stream(ctx, cfg.DLQStream)
	if err != nil {
		return fmt.Errorf("queue: dlq: %w", err)
	}
	raw, err := s.GetMsg(ctx, seq)
	if err != nil {
		return fmt.Errorf("queue: dlq #%d: %w", seq, err)
	}
	if n := raw.Header.Get(HeaderDLQTruncated); n != "" {
		return fmt.Errorf("queue: dlq #%d holds only the head of a %s-byte message (%s #%s): %w; it cannot be replayed",
			seq, n, raw.Header.Get(HeaderDLQStream), raw.Header.Get(HeaderDLQSequence), ErrTooLarge)
	}
	msg := &nats.Msg{Subject: cfg.JobsSubject, Data: raw.Data, Header: nats.Header{}}
	if _, err := js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(fmt.Sprintf("replay-%s-%d", cfg.DLQStream, seq)),
		jetstream.WithExpectStream(cfg.JobsStream)); err != nil {
		return fmt.Errorf("queue: replay dlq #%d: %w", seq, err)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("queue: replayed dlq #%d but could not remove it: %w", seq, err)
	}
	return nil
}

// Purge deletes the given DLQ entries, or all of them when seqs is empty.
func Purge(ctx context.Context, js jetstream.JetStream, cfg Config, seqs ...uint64) error {
	cfg = cfg.WithDefaults()
	s, err := js.Stream(ctx, cfg.DLQStream)
	if err != nil {
		return fmt.Errorf("queue: dlq: %w", err)
	}
	if len(seqs) == 0 {
		return s.Purge(ctx)
	}
	for _, seq := range seqs {
		if err := s.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return fmt.Errorf("queue: purge dlq #%d: %w", seq, err)
		}
	}
	return nil
}
