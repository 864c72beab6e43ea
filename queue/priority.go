package queue

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// Priorities. A job is published on JobsSubject, where the routers of the
// workers (Router) take it from the shared consumer Consumer and move it to
// the lane of its priority: the subject JobsSubject.<priority> of the same
// stream, read by the consumer Consumer-<priority>. A worker's Intake pulls
// from the three lanes, higher priorities first (see Intake for the policy
// and its bound).

// LaneSubject is the subject of the lane of priority p (the empty priority
// is normal's lane).
func (c Config) LaneSubject(p job.Priority) string {
	return c.WithDefaults().JobsSubject + "." + string(p.OrNormal())
}

// LaneConsumer is the durable consumer that reads the lane of priority p.
func (c Config) LaneConsumer(p job.Priority) string {
	return c.WithDefaults().Consumer + "-" + string(p.OrNormal())
}

// jobsSubjects are the subjects of the jobs stream: JobsSubject, where jobs
// are published, and the three lanes.
func (c Config) jobsSubjects() []string {
	subjects := []string{c.WithDefaults().JobsSubject}
	for _, p := range job.Priorities {
		subjects = append(subjects, c.LaneSubject(p))
	}
	return subjects
}

// jobsConsumers are the durable consumers on the jobs stream: the routers'
// and the three lanes'.
func (c Config) jobsConsumers() []string {
	names := []string{c.WithDefaults().Consumer}
	for _, p := range job.Priorities {
		names = append(names, c.LaneConsumer(p))
	}
	return names
}

// laneConsumerConfig is the consumer of the lane of priority p: the same
// redelivery policy as the routers' consumer, filtered to the lane.
func laneConsumerConfig(cfg Config, p job.Priority) jetstream.ConsumerConfig {
	cc := consumerConfig(cfg)
	cc.Durable = cfg.LaneConsumer(p)
	cc.FilterSubject = cfg.LaneSubject(p)
	cc.Description = "xdna-worker fleet, " + string(p) + " priority: one message per pull, only after a buffer is reserved"
	return cc
}
