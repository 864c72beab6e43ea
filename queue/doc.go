// Package queue is the worker fleet's only door to NATS JetStream.
//
// It owns the wire-level side of the contract in DESIGN.md: the three
// streams (JOBS, a work queue; RESULTS, one message per job id; DLQ, raw
// payloads that are not jobs at all), the single durable pull consumer every
// worker shares, and the publish paths with their de-duplication ids.
//
// The intake is reserve-then-poll. A worker reserves the buffer its first
// pipeline stage needs and only then calls [Intake.Next], which pulls exactly
// one message from the server. Nothing is pre-fetched: a message a worker
// cannot start stays on the server, where another worker can take it, and its
// AckWait clock does not start ticking in a client-side buffer (nats.go issue
// #1929 describes what goes wrong with Consume/Messages for this kind of
// work).
//
// A received message is a [Delivery]. It is settled exactly once: [Delivery.Ack]
// after the result is published, [Delivery.NakWithDelay] for transient
// failures, [Delivery.Term] after a failed result or a dead letter.
// [Delivery.KeepAlive] sends InProgress heartbeats for long jobs.
//
// [Publisher] writes results (Nats-Msg-Id = job_id), dead letters
// (Nats-Msg-Id derived from the stream sequence) and jobs; [Watch] and
// [LastResult] read results back.
//
// [Cancels] is the key-value bucket of cancellations: publishers call
// [Cancels.Cancel]; a worker asks [Cancels.Canceled] at pickup and keeps
// one [Cancels.Watch] that cancels the context of each running job as its
// cancellation arrives ([CancelWatch.Track]), with cause [ErrCanceled].
package queue
