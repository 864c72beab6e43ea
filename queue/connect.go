package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOption tunes Connect.
type ConnectOption func(*connectOptions)

type connectOptions struct {
	log  *slog.Logger
	nats []nats.Option
}

// ConnectLogger sets the logger of the connection's event handlers
// (default slog.Default()).
func ConnectLogger(l *slog.Logger) ConnectOption {
	return func(o *connectOptions) {
		if l != nil {
			o.log = l
		}
	}
}

// ConnectNATSOptions appends raw nats.go options; they are applied after the
// ones Connect derives from Config and so override them (tests use this for a
// short ReconnectWait).
func ConnectNATSOptions(opts ...nats.Option) ConnectOption {
	return func(o *connectOptions) { o.nats = append(o.nats, opts...) }
}

// Connect dials the servers of cfg and returns once the connection is up, or
// with an error when ctx ends first (the half-open connection is closed).
//
// The connection never gives up: the first connect is retried like a
// reconnect (so a worker can start before the server), and reconnects are
// unlimited. Why a connect fails (refused, a TLS or authorization error) is
// logged at WARN when it first happens or changes. Connection events are
// logged; secrets never are. A connection that carries credentials without
// TLS is logged as a warning.
func Connect(ctx context.Context, cfg Config, opts ...ConnectOption) (*nats.Conn, error) {
	cfg = cfg.WithDefaults()
	o := connectOptions{log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	log := o.log.With(slog.String("component", "nats"))

	// up is signalled on the first successful (re)connect; closed when the
	// connection gives up for good. Both are buffered and written without
	// blocking: the handlers run on nats.go's callback goroutine.
	up := make(chan struct{}, 1)
	closed := make(chan struct{}, 1)
	signal := func(ch chan struct{}) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	failing := &failures{log: log}

	nopts := []nats.Option{
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(time.Second),
		// A connection that died silently (a partition, a NAT timeout) is
		// noticed within about 45 s instead of nats.go's default 4-6 min,
		// during which the worker would look ready and do nothing.
		nats.PingInterval(15 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.ConnectHandler(func(nc *nats.Conn) {
			failing.reset()
			log.Info("connected", slog.String("server", redactURL(nc.ConnectedUrl())), slog.String("server_id", nc.ConnectedServerId()))
			signal(up)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			failing.reset()
			log.Info("reconnected", slog.String("server", redactURL(nc.ConnectedUrl())), slog.String("server_id", nc.ConnectedServerId()))
			warnPlaintext(nc, cfg, log)
			signal(up)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected", slog.Any("error", err))
			} else {
				log.Info("disconnected")
			}
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			failing.report(err)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Warn("connection closed", slog.Any("error", err))
			} else {
				log.Info("connection closed")
			}
			signal(closed)
		}),
		nats.LameDuckModeHandler(func(nc *nats.Conn) {
			log.Warn("server entered lame duck mode", slog.String("server", redactURL(nc.ConnectedUrl())))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			attrs := []any{slog.Any("error", err)}
			if sub != nil {
				attrs = append(attrs, slog.String("subject", sub.Subject))
			}
			log.Error("async error", attrs...)
		}),
	}
	if cfg.Name != "" {
		nopts = append(nopts, nats.Name(cfg.Name))
	}
	if cfg.Creds != "" {
		nopts = append(nopts, nats.UserCredentials(cfg.Creds))
	}
	if cfg.User != "" {
		nopts = append(nopts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.Token != "" {
		nopts = append(nopts, nats.Token(cfg.Token))
	}
	if cfg.TLSCA != "" {
		nopts = append(nopts, nats.RootCAs(cfg.TLSCA))
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		nopts = append(nopts, nats.ClientCert(cfg.TLSCert, cfg.TLSKey))
	}
	if cfg.InboxPrefix != "" {
		nopts = append(nopts, nats.CustomInboxPrefix(cfg.InboxPrefix))
	}
	nopts = append(nopts, o.nats...)

	nc, err := nats.Connect(cfg.URL, nopts...)
	if err != nil {
		return nil, fmt.Errorf("queue: connect to %s: %w", redactURLs(cfg.URL), err)
	}
	if nc.IsConnected() {
		warnPlaintext(nc, cfg, log)
		return nc, nil
	}
	log.Info("waiting for server", slog.String("url", redactURLs(cfg.URL)))
	// nats.go reports a failed dial to ReconnectErrHandler, but a failed
	// TLS handshake or authorization only in LastError: look at it while
	// waiting.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-up:
			warnPlaintext(nc, cfg, log)
			return nc, nil
		case <-closed:
			err := nc.LastError()
			if err == nil {
				err = nats.ErrConnectionClosed
			}
			return nil, fmt.Errorf("queue: connect to %s: %w", redactURLs(cfg.URL), err)
		case <-ctx.Done():
			last := nc.LastError()
			nc.Close()
			return nil, fmt.Errorf("queue: connect to %s: %w", redactURLs(cfg.URL), errors.Join(ctx.Err(), last))
		case <-tick.C:
			if err := nc.LastError(); err != nil && !nc.IsConnected() {
				failing.report(err)
			}
		}
	}
}

// failures logs why connecting fails: at WARN when the reason first
// appears or changes, at DEBUG while it repeats.
type failures struct {
	log  *slog.Logger
	mu   sync.Mutex
	last string
}

func (f *failures) report(err error) {
	f.mu.Lock()
	same := err.Error() == f.last
	f.last = err.Error()
	f.mu.Unlock()
	if same {
		f.log.Debug("cannot connect; retrying", slog.Any("error", err))
		return
	}
	f.log.Warn("cannot connect; retrying", slog.Any("error", err))
}

func (f *failures) reset() {
	f.mu.Lock()
	f.last = ""
	f.mu.Unlock()
}

// warnPlaintext logs a warning when nc carries credentials over a
// connection without TLS.
func warnPlaintext(nc *nats.Conn, cfg Config, log *slog.Logger) {
	if !cfg.hasCredentials() {
		return
	}
	if _, err := nc.TLSConnectionState(); err == nil {
		return
	}
	log.Warn("NATS credentials were sent without TLS: anyone on the path can read them; use a tls:// URL or NATS_TLS_CA",
		slog.String("server", redactURL(nc.ConnectedUrl())))
}
