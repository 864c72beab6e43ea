package ggml

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them
// (test with errors.Is); the message adds where and why.
var (
	// ErrBadMagic: the input does not start with the ggml magic, so it is
	// not a whisper.cpp ggml model file (a GGUF file, for instance).
	ErrBadMagic = errors.New("ggml: bad magic")

	// ErrTruncated: the input ended inside a section or a tensor.
	ErrTruncated = errors.New("ggml: file is truncated")

	// ErrCorrupt: a count, length or shape in the file is impossible or
	// absurd, or two tensors share a name.
	ErrCorrupt = errors.New("ggml: file is corrupt")

	// ErrUnsupportedType: a tensor uses a ggml type this package cannot
	// decode, or a caller asked for one.
	ErrUnsupportedType = errors.New("ggml: unsupported tensor type")

	// ErrShape: a caller passed data whose length does not match a shape
	// or a type's block size.
	ErrShape = errors.New("ggml: length does not match shape")
)
