package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// consume pulls messages one at a time from the durable consumer on stream
// and passes each to handle, which settles it, until ctx ends. A consumer
// that is not there yet, or broker trouble, is logged and retried. A
// message fetched as ctx ends is handed back. what names the loop in logs.
func consume(ctx context.Context, js jetstream.JetStream, stream, consumer, what string, log *slog.Logger, handle func(context.Context, jetstream.Msg)) error {
	var cons jetstream.Consumer
	for {
		if cons == nil {
			c, err := js.Consumer(ctx, stream, consumer)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				log.Warn(what+": consumer unavailable", "stream", stream, "consumer", consumer, "err", err)
				if sleep(ctx, 2*time.Second) != nil {
					return ctx.Err()
				}
				continue
			}
			cons = c
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if ctx.Err() != nil {
			if msg != nil {
				msg.Nak()
			}
			return ctx.Err()
		}
		if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, context.DeadlineExceeded) {
			continue
		}
		if err != nil {
			cons = nil
			if sleep(ctx, time.Second) != nil {
				return ctx.Err()
			}
			continue
		}
		handle(ctx, msg)
	}
}
