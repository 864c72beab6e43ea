package xdna

import (
	"context"
	"errors"
)

// Device runs the Whisper encoder: one 30 s log-mel window (n_mels × 3000,
// row-major) into an encoder_output buffer (n_audio_ctx × n_audio_state).
type Device interface {
	// Name is the driver name reported in results: cpu, sim or xrt.
	Name() string
	// Encode runs the encoder on mel and writes the result to out.
	Encode(ctx context.Context, mel, out []float32) error
	// Close releases the device.
	Close() error
}

// Driver names.
const (
	DriverCPU = "cpu"
	DriverSim = "sim"
	DriverXRT = "xrt"
)

// ErrNoDevice is returned when the requested driver is not available in this
// build or on this machine.
var ErrNoDevice = errors.New("xdna: device not available")
