package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ErrConfig marks an OTEL_* setting this build cannot honour (an exporter
// or protocol other than OTLP over HTTP).
var ErrConfig = errors.New("telemetry: configuration")

// Option tunes Setup.
type Option func(*options)

type options struct {
	version string
	log     *slog.Logger
}

// WithVersion sets the service.version resource attribute.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// WithLogger reports the exporter's errors (an unreachable collector) on l
// instead of the OpenTelemetry default, the standard logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Setup installs the W3C Trace Context and Baggage propagators as the
// global propagator, and, when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, a global tracer provider that
// batches spans to that OTLP/HTTP endpoint. The exporter reads the other
// standard variables itself (headers, TLS, timeout, compression), the SDK
// reads OTEL_TRACES_SAMPLER and OTEL_BSP_*, and the resource takes
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over service.
//
// Tracing stays off (the global no-op provider) without an endpoint, with
// OTEL_TRACES_EXPORTER=none or with OTEL_SDK_DISABLED=true. Either way a
// trace context that arrives with a job still travels on unchanged.
//
// shutdown flushes the spans still buffered and stops the exporter; call it
// once at exit, with a deadline.
func Setup(ctx context.Context, service string, opts ...Option) (shutdown func(context.Context) error, err error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	otel.SetTextMapPropagator(Propagator())
	noop := func(context.Context) error { return nil }
	on, err := exporting()
	if err != nil || !on {
		return noop, err
	}
	if o.log != nil {
		log := o.log
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn("tracing: span export failed", "err", err)
		}))
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return noop, fmt.Errorf("telemetry: otlp exporter: %w", err)
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", service)}
	if o.version != "" {
		attrs = append(attrs, attribute.String("service.version", o.version))
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the defaults given here.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attrs...),
		resource.WithFromEnv(),
	)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return noop, fmt.Errorf("telemetry: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Propagator is the W3C Trace Context and Baggage propagator: the wire
// format of trace context on NATS headers and HTTP alike.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// exporting reports whether the environment asks for spans to be exported,
// and refuses settings this build cannot honour rather than ignore them.
func exporting() (bool, error) {
	if v := os.Getenv("OTEL_SDK_DISABLED"); v != "" {
		disabled, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%w: OTEL_SDK_DISABLED=%q is not a boolean", ErrConfig, v)
		}
		if disabled {
			return false, nil
		}
	}
	switch v := strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")); v {
	case "none":
		return false, nil
	case "", "otlp":
	default:
		return false, fmt.Errorf("%w: OTEL_TRACES_EXPORTER=%q: only otlp (or none) is supported", ErrConfig, v)
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return false, nil
	}
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "http/protobuf" {
		return false, fmt.Errorf("%w: OTLP protocol %q: only http/protobuf is supported", ErrConfig, protocol)
	}
	return true, nil
}
