package aac

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// id3v1Size is the size of an ID3v1 tag, which may end a file.
const id3v1Size = 128

// readID3v1 reads the rest of an ID3v1 tag, whose first bytes are in buf,
// and checks that it ends the stream.
func (a *adtsDecoder) readID3v1() error {
	rest := a.buf[adtsHeaderSize:id3v1Size]
	if n, err := io.ReadFull(a.r, rest); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("aac: ID3v1 tag is truncated: it ends %d bytes into its %d: %w", adtsHeaderSize+n, id3v1Size, pcm.ErrMalformed)
		}
		return fmt.Errorf("aac: reading ID3v1 tag: %w", err)
	}
	n, err := io.ReadFull(a.r, a.buf[:1])
	switch {
	case n > 0:
		return fmt.Errorf("aac: bytes follow the ID3v1 tag after frame %d: %w", a.frames, pcm.ErrMalformed)
	case errors.Is(err, io.EOF):
		return nil
	default:
		return fmt.Errorf("aac: reading after ID3v1 tag: %w", err)
	}
}

// skipID3v2 skips an ID3v2 tag at the start of the stream, if there is
// one, leaving the reader at the first ADTS header. Bytes read that are
// not a tag are put back through a.r.
func (a *adtsDecoder) skipID3v2() error {
	const headerSize = 10
	head := a.buf[:headerSize]
	n, err := io.ReadFull(a.r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("aac: reading stream start: %w", err)
	}
	if n < headerSize || string(head[:3]) != "ID3" {
		a.r = io.MultiReader(bytes.NewReader(append([]byte(nil), head[:n]...)), a.r)
		return nil
	}
	if head[6]|head[7]|head[8]|head[9] >= 0x80 || head[3] == 0xFF || head[4] == 0xFF {
		return fmt.Errorf("aac: ID3v2 tag header is corrupt: %w", pcm.ErrMalformed)
	}
	size := int64(head[6])<<21 | int64(head[7])<<14 | int64(head[8])<<7 | int64(head[9])
	if head[5]&0x10 != 0 { // footer present
		size += headerSize
	}
	k, err := io.CopyN(io.Discard, a.r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("aac: ID3v2 tag is truncated: %d of its %d bytes: %w", k, size, pcm.ErrMalformed)
		}
		return fmt.Errorf("aac: reading ID3v2 tag: %w", err)
	}
	return nil
}
