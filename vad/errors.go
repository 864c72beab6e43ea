package vad

import "errors"

// Sentinel errors. Errors from Load and Parse wrap one of them (test with
// errors.Is); the message says where and why.
var (
	// ErrBadMagic: the input does not start with the ggml magic.
	ErrBadMagic = errors.New("vad: not a ggml VAD model file (bad magic)")

	// ErrTruncated: the input ends inside the header or a tensor.
	ErrTruncated = errors.New("vad: model file is truncated")

	// ErrCorrupt: a count, length, shape or type in the file is impossible,
	// or a tensor is duplicated, unknown or missing.
	ErrCorrupt = errors.New("vad: model file is corrupt")

	// ErrUnsupported: a well-formed file describes a model this package
	// does not compute (another architecture or window size).
	ErrUnsupported = errors.New("vad: unsupported VAD model")
)

// ErrBlock is returned by Detector.Continue for a block that is not the
// last and does not hold a whole number of chunks.
var ErrBlock = errors.New("vad: block is not a whole number of chunks")

// ErrNumerics is returned by ParseNumerics for a name that is not a
// Numerics.
var ErrNumerics = errors.New("vad: unknown numerics")
