package pcm

import "errors"

// Sentinel errors of every decoder. Wrap them with %w and a message that
// says what was wrong, never with bytes of the file itself.
var (
	// ErrMalformed marks audio that breaks its format's rules: truncated,
	// corrupt or self-contradictory. It maps to the job code audio_decode.
	ErrMalformed = errors.New("malformed audio")
	// ErrUnsupported marks a real format, codec or codec feature that the
	// decoder does not handle (say HE-AAC, or an Ogg stream of Speex). It
	// maps to unsupported_format unless an external decoder takes over.
	ErrUnsupported = errors.New("unsupported audio")
)
