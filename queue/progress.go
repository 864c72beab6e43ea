package queue

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/xdna-worker/xdna-worker/job"
)

// PublishProgress publishes p on its job's progress subject. Progress goes
// over core NATS: it is not stored and not acknowledged, and a subscriber
// sees only the events published while it listens.
func PublishProgress(nc *nats.Conn, cfg Config, p *job.Progress) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := nc.Publish(cfg.ProgressSubject(p.JobID), data); err != nil {
		return fmt.Errorf("publish progress: %w", err)
	}
	return nil
}

// SubscribeProgress calls fn with each progress event of the jobs ids (of
// every job when ids is empty) until the returned subscription is
// unsubscribed. Events that job.ParseProgress refuses (anything may be
// published on the subject) are dropped. fn runs on the connection's
// dispatch goroutine, one event at a time, and must not block for long.
func SubscribeProgress(nc *nats.Conn, cfg Config, fn func(*job.Progress), ids ...string) (*nats.Subscription, error) {
	prefix := cfg.WithDefaults().ProgressSubjectPrefix + "."
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	handle := func(m *nats.Msg) {
		id, ok := strings.CutPrefix(m.Subject, prefix)
		if !ok || (len(want) > 0 && !want[id]) {
			return
		}
		if p, err := job.ParseProgress(m.Data, id); err == nil {
			fn(p)
		}
	}
	// One subscription: on every job's subject when more than a few are
	// wanted, and filtered here (one per id would be as many interest
	// entries on the server).
	subject := prefix + ">"
	if len(ids) == 1 {
		subject = prefix + ids[0]
	}
	sub, err := nc.Subscribe(subject, handle)
	if err != nil {
		return nil, fmt.Errorf("subscribe to progress: %w", err)
	}
	return sub, nil
}
