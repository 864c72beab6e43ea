package vad

import "fmt"

// Numerics is how a Detector sums the products with the model's F16
// weights (the STFT, the four encoder convolutions and the final
// projection), which is where whisper.cpp's builds differ.
type Numerics uint8

const (
	// NumericsHalf ("f16", the default) sums as whisper.cpp built for a CPU
	// with AVX512-FP16 does (GGML_NATIVE on Intel Sapphire Rapids and
	// later): in binary16, 128 lanes per row, rounding at every step. It
	// matches the shared fixture within 1e-5 (bit for bit in the products).
	NumericsHalf Numerics = iota
	// NumericsFloat ("f32") sums in float32, as whisper.cpp's other builds
	// do (portable, AVX2, AVX-512 without FP16). It matches the portable
	// build within 1e-3 and is 0.018 from NumericsHalf on jfk.wav.
	NumericsFloat
)

// String returns the name ParseNumerics accepts: "f16" or "f32".
func (n Numerics) String() string {
	switch n {
	case NumericsHalf:
		return "f16"
	case NumericsFloat:
		return "f32"
	}
	return fmt.Sprintf("Numerics(%d)", uint8(n))
}

// ParseNumerics returns the Numerics called s: "f16" or "f32". An empty s
// is the default, NumericsHalf. Other names are errors wrapping
// ErrNumerics.
func ParseNumerics(s string) (Numerics, error) {
	switch s {
	case "", "f16":
		return NumericsHalf, nil
	case "f32":
		return NumericsFloat, nil
	}
	return 0, fmt.Errorf("%w: %q (want f16 or f32)", ErrNumerics, s)
}

// MarshalText returns String's name.
func (n Numerics) MarshalText() ([]byte, error) {
	if n > NumericsFloat {
		return nil, fmt.Errorf("%w: %d", ErrNumerics, uint8(n))
	}
	return []byte(n.String()), nil
}

// UnmarshalText sets n with ParseNumerics (for flag and env parsers).
func (n *Numerics) UnmarshalText(b []byte) error {
	v, err := ParseNumerics(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// DetectorOption configures a Detector (Model.NewDetector).
type DetectorOption func(*detectorConfig)

type detectorConfig struct {
	numerics Numerics
}

// WithNumerics sets how the Detector sums the F16 products; the default is
// NumericsHalf. An unknown value panics in NewDetector.
func WithNumerics(n Numerics) DetectorOption {
	return func(c *detectorConfig) { c.numerics = n }
}
