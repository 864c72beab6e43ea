package telemetry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/internal/otlptest"
	"github.com/xdna-worker/xdna-worker/telemetry"
)

// The HTTP client's idle connections to the test collector may outlive a
// test by a moment.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// otelVars are the variables Setup reads; each test starts with all unset.
var otelVars = []string{
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER",
	"OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME",
	"OTEL_RESOURCE_ATTRIBUTES",
}

// setup clears the OTEL_* variables, sets env, runs Setup, and restores a
// no-op global provider when the test ends. Tests that use it change
// process-wide state and so never run in parallel (t.Setenv forbids it).
func setup(t *testing.T, env map[string]string) (func(context.Context) error, error) {
	t.Helper()
	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	return telemetry.Setup(context.Background(), "xdna-test")
}

// emit starts and ends one span on the global provider and flushes.
func emit(t *testing.T, shutdown func(context.Context) error) bool {
	t.Helper()
	_, span := otel.Tracer("test").Start(context.Background(), "probe")
	recording := span.IsRecording()
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return recording
}

func TestSetupExportsToTheOTLPEndpoint(t *testing.T) {
	c := otlptest.Start(t)
	shutdown, err := setup(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.URL, "OTEL_SERVICE_NAME": "renamed"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); !ok {
		t.Fatalf("global provider %T, want the SDK's", otel.GetTracerProvider())
	}
	if !emit(t, shutdown) {
		t.Error("span not recording")
	}
	spans := c.Spans()
	if len(spans) != 1 || spans[0].Name != "probe" || spans[0].Resource["service.name"] != "renamed" {
		t.Errorf("collector got %+v, want one span probe from service renamed (OTEL_SERVICE_NAME)", spans)
	}
}

func TestSetupTracesEndpointAlone(t *testing.T) {
	c := otlptest.Start(t)
	shutdown, err := setup(t, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": c.URL + "/v1/traces"})
	if err != nil {
		t.Fatal(err)
	}
	emit(t, shutdown)
	if spans := c.Spans(); len(spans) != 1 || spans[0].Resource["service.name"] != "xdna-test" {
		t.Errorf("collector got %+v, want one span from service xdna-test", spans)
	}
}

func TestSetupIsOffUnlessAsked(t *testing.T) {
	c := otlptest.Start(t)
	for name, env := range map[string]map[string]string{
		"no variables":         {},
		"exporter none":        {"OTEL_EXPORTER_OTLP_ENDPOINT": c.URL, "OTEL_TRACES_EXPORTER": "none"},
		"sdk disabled":         {"OTEL_EXPORTER_OTLP_ENDPOINT": c.URL, "OTEL_SDK_DISABLED": "true"},
		"only other variables": {"OTEL_SERVICE_NAME": "x", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
	} {
		t.Run(name, func(t *testing.T) {
			shutdown, err := setup(t, env)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
				t.Error("an SDK provider was installed")
			}
			if emit(t, shutdown) {
				t.Error("span is recording")
			}
			if n := c.Requests(); n != 0 {
				t.Errorf("collector got %d requests", n)
			}
		})
	}
}

func TestSetupRefusesWhatItCannotHonour(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"grpc":         {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		"zipkin":       {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "zipkin"},
		"bad boolean":  {"OTEL_SDK_DISABLED": "maybe"},
		"traces proto": {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
	} {
		t.Run(name, func(t *testing.T) {
			shutdown, err := setup(t, env)
			if !errors.Is(err, telemetry.ErrConfig) {
				t.Errorf("err %v, want ErrConfig", err)
			}
			if shutdown == nil || shutdown(context.Background()) != nil {
				t.Error("shutdown must be callable")
			}
		})
	}
}
