package flac

import (
	"errors"
	"fmt"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// ErrMD5Mismatch is returned by Next, in place of io.EOF, when the whole
// stream is decoded and its audio does not match the MD5 signature in
// STREAMINFO: every frame passed its CRC checks, so the encoder wrote a
// wrong signature or the audio was changed after encoding. It wraps
// pcm.ErrMalformed; a caller that wants ffmpeg's leniency (ffmpeg does not
// check the signature) can test for it with errors.Is and treat it as the
// end of the stream.
var ErrMD5Mismatch = fmt.Errorf("flac: the decoded audio does not match STREAMINFO's MD5 signature: %w", pcm.ErrMalformed)

// errTruncated is what the bit reader reports when the stream ends where
// more bits are needed; the frame decoder adds where.
var errTruncated = fmt.Errorf("the stream ends inside it: %w", pcm.ErrMalformed)

// malformed returns an error wrapping pcm.ErrMalformed. Messages say what
// was wrong, never which bytes the file holds.
func malformed(format string, args ...any) error {
	return fmt.Errorf("flac: "+format+": %w", append(args, pcm.ErrMalformed)...)
}

// unsupported returns an error wrapping pcm.ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("flac: "+format+": %w", append(args, pcm.ErrUnsupported)...)
}

// isMalformed reports whether err is about the stream's bytes rather than
// its reader.
func isMalformed(err error) bool { return errors.Is(err, pcm.ErrMalformed) }

// wrapIn says where err (from the bit reader or a parser) happened.
func wrapIn(what string, err error) error {
	return fmt.Errorf("flac: %s: %w", what, err)
}
