package flac

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Metadata block types (RFC 9639 section 8.1).
const (
	blockStreamInfo    = 0
	blockVorbisComment = 4
	blockForbidden     = 127
)

// blockNames names the defined metadata block types in error messages.
var blockNames = [...]string{"STREAMINFO", "PADDING", "APPLICATION", "SEEKTABLE", "VORBIS_COMMENT", "CUESHEET", "PICTURE"}

func blockName(t int) string {
	if t < len(blockNames) {
		return blockNames[t] + " metadata block"
	}
	return fmt.Sprintf("metadata block of reserved type %d", t)
}

// maxCommentField is the longest Vorbis comment field read for a channel
// mask; the rest of longer fields is skipped unread.
const maxCommentField = 256

// metadata is what the decoder takes from the metadata blocks.
type metadata struct {
	info streamInfo
	// mask is the value of the first WAVEFORMATEXTENSIBLE_CHANNEL_MASK
	// field, when hasMask, or 0 when that value is not a valid mask.
	mask    uint64
	hasMask bool
}

// readMetadata reads the stream up to its first frame: ID3v2 tags, the
// "fLaC" marker and the metadata blocks. Blocks are read through the bit
// reader's buffer or skipped; nothing is allocated from their sizes.
func readMetadata(br *bitReader) (metadata, error) {
	var md metadata
	if err := skipID3v2(br); err != nil {
		return md, err
	}
	switch p := br.peek(4); {
	case string(p) == "fLaC":
		br.skip(4)
	case len(p) == 0:
		if br.err != nil {
			return md, wrapIn("the marker", br.err)
		}
		return md, malformed("the file is empty, or holds only ID3v2 tags")
	case len(p) < 4 && strings.HasPrefix("fLaC", string(p)):
		if br.err != nil {
			return md, wrapIn("the marker", br.err)
		}
		return md, malformed("the file ends inside the fLaC marker")
	case string(p) == "OggS":
		return md, unsupported("an Ogg stream is not native FLAC (FLAC in Ogg is not decoded here)")
	default:
		return md, unsupported("not a native FLAC stream: it does not start with the fLaC marker")
	}
	for first := true; ; first = false {
		var h [4]byte
		if err := br.readBytes(h[:]); err != nil {
			return md, wrapIn("a metadata block header", err)
		}
		last := h[0]&0x80 != 0
		typ := int(h[0] & 0x7F)
		size := int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
		name := blockName(typ)
		switch {
		case typ == blockForbidden:
			return md, malformed("metadata block type 127 is forbidden (the metadata blocks run into audio, or the file is corrupt)")
		case first && typ != blockStreamInfo:
			return md, malformed("the first metadata block is a %s, not STREAMINFO", name)
		case !first && typ == blockStreamInfo:
			return md, malformed("a second STREAMINFO metadata block")
		}
		var err error
		switch typ {
		case blockStreamInfo:
			if size != streamInfoSize {
				return md, malformed("the STREAMINFO block is %d bytes, not %d", size, streamInfoSize)
			}
			var b [streamInfoSize]byte
			if err := br.readBytes(b[:]); err != nil {
				return md, wrapIn(name, err)
			}
			if md.info, err = parseStreamInfo(&b); err != nil {
				return md, err
			}
		case blockVorbisComment:
			err = readComment(br, size, &md)
		default:
			err = br.skip(size)
		}
		if err != nil {
			return md, wrapIn(name, err)
		}
		if last {
			return md, nil
		}
	}
}

// readComment reads a Vorbis comment block of the given size, looking for
// the first WAVEFORMATEXTENSIBLE_CHANNEL_MASK field. Like ffmpeg, it ignores
// the rest of a block whose lengths contradict its size (the audio is still
// decodable); only a stream that ends inside the block is an error.
func readComment(br *bitReader, size int64, md *metadata) error {
	left := size
	var buf [maxCommentField]byte
	u32 := func() (int64, bool, error) {
		if left < 4 {
			return 0, false, nil
		}
		left -= 4
		if err := br.readBytes(buf[:4]); err != nil {
			return 0, false, err
		}
		return int64(binary.LittleEndian.Uint32(buf[:4])), true, nil
	}
	vendor, ok, err := u32()
	if err != nil || !ok || vendor > left {
		return first(err, br.skip(left))
	}
	left -= vendor
	if err := br.skip(vendor); err != nil {
		return err
	}
	count, ok, err := u32()
	if err != nil || !ok {
		return first(err, br.skip(left))
	}
	for range count {
		n, ok, err := u32()
		if err != nil || !ok || n > left {
			return first(err, br.skip(left))
		}
		left -= n
		k := min(n, maxCommentField)
		if err := br.readBytes(buf[:k]); err != nil {
			return err
		}
		if err := br.skip(n - k); err != nil {
			return err
		}
		name, value, found := bytes.Cut(buf[:k], []byte("="))
		if found && !md.hasMask && bytes.EqualFold(name, []byte(channelMaskField)) {
			md.mask, _ = parseMask(string(value))
			md.hasMask = true
		}
	}
	return br.skip(left)
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
