package mp4

import (
	"encoding/binary"
	"math"
)

// fourcc is a box or sample entry type: four bytes read as a big-endian
// number.
type fourcc uint32

// code returns the fourcc of a four-character name.
func code(s string) fourcc {
	return fourcc(uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3]))
}

// Box types the demuxer reads (ISO/IEC 14496-12 and the QuickTime file
// format).
const (
	typeFtyp = fourcc('f'<<24 | 't'<<16 | 'y'<<8 | 'p')
	typeMoov = fourcc('m'<<24 | 'o'<<16 | 'o'<<8 | 'v')
	typeMvhd = fourcc('m'<<24 | 'v'<<16 | 'h'<<8 | 'd')
	typeTrak = fourcc('t'<<24 | 'r'<<16 | 'a'<<8 | 'k')
	typeTkhd = fourcc('t'<<24 | 'k'<<16 | 'h'<<8 | 'd')
	typeEdts = fourcc('e'<<24 | 'd'<<16 | 't'<<8 | 's')
	typeElst = fourcc('e'<<24 | 'l'<<16 | 's'<<8 | 't')
	typeMdia = fourcc('m'<<24 | 'd'<<16 | 'i'<<8 | 'a')
	typeMdhd = fourcc('m'<<24 | 'd'<<16 | 'h'<<8 | 'd')
	typeHdlr = fourcc('h'<<24 | 'd'<<16 | 'l'<<8 | 'r')
	typeMinf = fourcc('m'<<24 | 'i'<<16 | 'n'<<8 | 'f')
	typeStbl = fourcc('s'<<24 | 't'<<16 | 'b'<<8 | 'l')
	typeStsd = fourcc('s'<<24 | 't'<<16 | 's'<<8 | 'd')
	typeStts = fourcc('s'<<24 | 't'<<16 | 't'<<8 | 's')
	typeStsc = fourcc('s'<<24 | 't'<<16 | 's'<<8 | 'c')
	typeStsz = fourcc('s'<<24 | 't'<<16 | 's'<<8 | 'z')
	typeStz2 = fourcc('s'<<24 | 't'<<16 | 'z'<<8 | '2')
	typeStco = fourcc('s'<<24 | 't'<<16 | 'c'<<8 | 'o')
	typeCo64 = fourcc('c'<<24 | 'o'<<16 | '6'<<8 | '4')
	typeMvex = fourcc('m'<<24 | 'v'<<16 | 'e'<<8 | 'x')
	typeTrex = fourcc('t'<<24 | 'r'<<16 | 'e'<<8 | 'x')
	typeMoof = fourcc('m'<<24 | 'o'<<16 | 'o'<<8 | 'f')
	typeTraf = fourcc('t'<<24 | 'r'<<16 | 'a'<<8 | 'f')
	typeTfhd = fourcc('t'<<24 | 'f'<<16 | 'h'<<8 | 'd')
	typeTfdt = fourcc('t'<<24 | 'f'<<16 | 'd'<<8 | 't')
	typeTrun = fourcc('t'<<24 | 'r'<<16 | 'u'<<8 | 'n')
	typeMdat = fourcc('m'<<24 | 'd'<<16 | 'a'<<8 | 't')
	typeCmov = fourcc('c'<<24 | 'm'<<16 | 'o'<<8 | 'v')
	typeEsds = fourcc('e'<<24 | 's'<<16 | 'd'<<8 | 's')
	typeWave = fourcc('w'<<24 | 'a'<<16 | 'v'<<8 | 'e')
	typeSoun = fourcc('s'<<24 | 'o'<<16 | 'u'<<8 | 'n')
)

// topLevel are the box types that may open an ISO base media or QuickTime
// file; anything else is not such a file.
var topLevel = [...]fourcc{
	typeFtyp, typeMoov, typeMdat, code("free"), code("skip"), code("wide"),
	code("pnot"), code("styp"), code("sidx"), typeMoof, code("uuid"), code("junk"),
	code("pdin"), code("meta"), code("prfl"), code("PICT"),
}

// box is the place of one box in the file.
type box struct {
	typ   fourcc
	start int64 // offset of its header
	body  int64 // offset of its payload
	end   int64 // offset just past it
}

// size is the length of the payload.
func (b box) size() int64 { return b.end - b.body }

// readBox reads the header of the box that starts at off inside a
// container that ends at limit: 32-bit size, 64-bit size (size 1) or
// "to the end of the container" (size 0). The box may extend past limit;
// the caller decides what that means.
func (s *source) readBox(off, limit int64) (box, error) {
	var h [16]byte
	if err := s.readAt(h[:8], off, "a box header"); err != nil {
		return box{}, err
	}
	b := box{typ: fourcc(binary.BigEndian.Uint32(h[4:8])), start: off, body: off + 8}
	size := uint64(binary.BigEndian.Uint32(h[:4]))
	switch size {
	case 0:
		b.end = max(limit, b.body)
		return b, nil
	case 1:
		if err := s.readAt(h[8:16], off+8, "a box header"); err != nil {
			return box{}, err
		}
		size = binary.BigEndian.Uint64(h[8:16])
		b.body = off + 16
		if size < 16 {
			return box{}, malformed("a box declares a 64-bit size of %d bytes, less than its 16-byte header", size)
		}
	default:
		if size < 8 {
			return box{}, malformed("a box declares a size of %d bytes, less than its 8-byte header", size)
		}
	}
	if size > uint64(math.MaxInt64-off) {
		b.end = math.MaxInt64
	} else {
		b.end = off + int64(size)
	}
	return b, nil
}

// boxes iterates over the boxes of a container.
type boxes struct {
	src  *source
	next int64  // offset of the next box
	end  int64  // end of the container
	name string // the container, for errors
}

// children returns an iterator over the boxes inside b.
func (s *source) children(b box, name string) boxes {
	return boxes{src: s, next: b.body, end: b.end, name: name}
}

// nextBox returns the next box, or false at the end of the container. A
// tail of fewer than 8 bytes is ignored: QuickTime ends some lists with a
// 4-byte zero terminator.
func (it *boxes) nextBox() (box, bool, error) {
	if it.end-it.next < 8 {
		return box{}, false, nil
	}
	b, err := it.src.readBox(it.next, it.end)
	if err != nil {
		return box{}, false, err
	}
	if b.end > it.end {
		if it.end == it.src.size {
			return box{}, false, malformed("the file ends inside a box of the %s (truncated file, or a box size past its end)", it.name)
		}
		return box{}, false, malformed("a box inside the %s extends past its end", it.name)
	}
	it.next = b.end
	return b, true, nil
}

// readPayload reads the start of b's payload into buf: all of it, or
// len(buf) bytes when it is longer. A payload shorter than least bytes is
// malformed.
func (s *source) readPayload(b box, buf []byte, least int, what string) ([]byte, error) {
	if b.size() < int64(least) {
		return nil, malformed("the %s box is %d bytes, too short for its %d-byte fields", what, b.size(), least)
	}
	n := int(min(b.size(), int64(len(buf))))
	if err := s.readAt(buf[:n], b.body, "the "+what+" box"); err != nil {
		return nil, err
	}
	return buf[:n], nil
}
