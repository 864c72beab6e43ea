// Package telemetry owns the process's tracing setup: the W3C Trace Context
// and Baggage propagators, always, and an OpenTelemetry tracer provider that
// exports spans over OTLP/HTTP when, and only when, the standard
// OTEL_EXPORTER_OTLP_* variables ask for it.
package telemetry
