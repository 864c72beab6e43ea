package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Limits of the packet reader.
const (
	// MaxPacketSize is the largest packet a Reader assembles, in bytes. A
	// larger one (in practice a comment header carrying big cover art)
	// is an error wrapping pcm.ErrUnsupported.
	MaxPacketSize = 8 << 20
	// maxBuffered bounds the bytes of unfinished packets held for all
	// logical streams together.
	maxBuffered = 16 << 20
	// maxStreams bounds the logical streams that are open at once (begun
	// and not ended).
	maxStreams = 256
	// bigBuffer is the capacity above which a stream's packet buffer is
	// released once its packet has been handed out.
	bigBuffer = 1 << 20
)

// A Packet is one packet of a logical stream.
type Packet struct {
	// Serial is the serial number of the logical stream.
	Serial uint32
	// Data is the packet's content. It is valid until the next call to
	// NextPacket; copy it to keep it.
	Data []byte
	// Granule is the granule position of the page on which the packet
	// ends when it is the last packet ending on that page, else -1.
	Granule int64
	// BOS is set on the first packet of a logical stream, EOS on the last
	// packet of the last page of one.
	BOS, EOS bool
	// LastPage is set on every packet that ends on the last page of its
	// logical stream (the page that carries the EOS flag).
	LastPage bool
	// PageSeq is the sequence number of the page on which the packet ends.
	PageSeq uint32
}

// stream is the state of one open logical stream.
type stream struct {
	buf     []byte // the unfinished packet
	partial bool   // a packet is unfinished at the end of the last page
	seq     uint32 // sequence number of the last page
	ignored bool   // packets are checked but neither kept nor returned
}

// A Reader splits an Ogg stream into packets. It reads sequentially through
// one page-sized buffer (64 KiB) plus one buffer per unfinished packet, and
// checks every page: capture pattern, version, flags, CRC, and the
// continuation of packets across pages. It is not safe for concurrent use.
type Reader struct {
	r        io.Reader
	offset   int64 // bytes read from r
	header   [headerSize]byte
	lacing   [maxSegments]byte
	body     [maxPageBody]byte
	page     pageHeader // the current page
	cur      *stream    // its stream
	seg      int        // next lacing value of the page to consume
	off      int        // body offset of that segment
	lastEnd  int        // index of the last lacing value ending a packet, or -1
	returned bool       // a packet ending on this page was returned
	streams  map[uint32]*stream
	buffered int   // bytes of unfinished packets, over all streams
	err      error // sticky
}

// NewReader returns a Reader of the Ogg stream r, which must start at a
// page boundary.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, streams: make(map[uint32]*stream)}
}

// NextPacket returns the next packet of any logical stream, in the order
// their last bytes appear in the stream. At the end of the stream it
// returns io.EOF; a stream that ends inside a page or inside a packet
// yields an error wrapping pcm.ErrMalformed. Errors are sticky.
func (r *Reader) NextPacket() (Packet, error) {
	for r.err == nil {
		if r.seg < r.page.segments {
			if p, ok := r.consumeSegments(); ok {
				return p, nil
			}
			continue
		}
		r.err = r.readPage()
	}
	return Packet{}, r.err
}

// ignore makes the reader drop the packets of the logical stream serial
// (still checking its pages) from now on.
func (r *Reader) ignore(serial uint32) {
	if st := r.streams[serial]; st != nil && !st.ignored {
		r.buffered -= len(st.buf)
		st.buf, st.ignored = nil, true
	}
}

// consumeSegments consumes the lacing values of the current page up to the
// end of a packet or of the page, and returns the packet if one ended and
// is not ignored.
func (r *Reader) consumeSegments() (Packet, bool) {
	st := r.cur
	start, i, n := r.off, r.seg, 0
	complete := false
	for i < r.page.segments {
		v := int(r.lacing[i])
		n += v
		i++
		if v < 255 {
			complete = true
			break
		}
	}
	r.seg, r.off = i, start+n
	data := r.body[start : start+n]
	if st.ignored {
		st.partial = !complete
		return Packet{}, false
	}
	if !complete || st.partial {
		if len(st.buf)+n > MaxPacketSize {
			r.err = fmt.Errorf("ogg: a packet of stream %08x is larger than %d bytes: %w", r.page.serial, MaxPacketSize, pcm.ErrUnsupported)
			return Packet{}, false
		}
		if r.buffered+n > maxBuffered {
			r.err = fmt.Errorf("ogg: unfinished packets of interleaved streams exceed %d bytes: %w", maxBuffered, pcm.ErrUnsupported)
			return Packet{}, false
		}
		st.buf = append(st.buf, data...)
		r.buffered += n
		if !complete {
			st.partial = true
			return Packet{}, false
		}
		data = st.buf
		r.buffered -= len(st.buf)
		st.buf, st.partial = st.buf[:0], false
		if cap(st.buf) > bigBuffer {
			st.buf = nil
		}
	}
	p := Packet{Serial: r.page.serial, Data: data, Granule: -1, PageSeq: r.page.seq}
	if i-1 == r.lastEnd {
		p.Granule = r.page.granule
		p.EOS = r.page.flags&flagEOS != 0
	}
	p.LastPage = r.page.flags&flagEOS != 0
	p.BOS = r.page.flags&flagBOS != 0 && !r.returned
	r.returned = true
	return p, true
}

// readPage reads and checks the next page and makes it current.
func (r *Reader) readPage() error {
	before := r.offset
	n, err := io.ReadFull(r.r, r.header[:])
	r.offset += int64(n)
	if before > 0 && len(r.streams) == 0 && (n < 4 || string(r.header[:4]) != capturePattern) &&
		(err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return r.trailer(r.header[:n], err != nil)
	}
	switch {
	case err == nil:
	case n == 0 && errors.Is(err, io.EOF):
		return r.end()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("ogg: stream ends inside a page header: %w", pcm.ErrMalformed)
	default:
		return fmt.Errorf("ogg: reading page: %w", err)
	}
	h, err := parseHeader(r.header[:])
	if err != nil {
		return err
	}
	lacing := r.lacing[:h.segments]
	if err := r.readFull(lacing, "segment table"); err != nil {
		return err
	}
	body := r.body[:bodySize(lacing)]
	if err := r.readFull(body, "page body"); err != nil {
		return err
	}
	if pageCRC(r.header[:], lacing, body) != h.crc {
		return fmt.Errorf("ogg: page %d of stream %08x fails its CRC check: %w", h.seq, h.serial, pcm.ErrMalformed)
	}

	st := r.streams[h.serial]
	switch {
	case h.flags&flagBOS != 0:
		if st != nil {
			return fmt.Errorf("ogg: stream %08x begins twice: %w", h.serial, pcm.ErrMalformed)
		}
		if len(r.streams) >= maxStreams {
			return fmt.Errorf("ogg: more than %d logical streams open at once: %w", maxStreams, pcm.ErrUnsupported)
		}
		st = &stream{}
		r.streams[h.serial] = st
	case st == nil:
		return fmt.Errorf("ogg: page of stream %08x, which has no first page (or has ended): %w", h.serial, pcm.ErrMalformed)
	case h.flags&flagContinued != 0 && !st.partial:
		return fmt.Errorf("ogg: page %d of stream %08x continues a packet, but none is unfinished: %w", h.seq, h.serial, pcm.ErrMalformed)
	case h.flags&flagContinued == 0 && st.partial:
		return fmt.Errorf("ogg: a packet of stream %08x is cut off: page %d does not continue it: %w", h.serial, h.seq, pcm.ErrMalformed)
	case st.partial && h.seq != st.seq+1:
		return fmt.Errorf("ogg: page %d of stream %08x continues a packet from page %d; pages are missing: %w", h.seq, h.serial, st.seq, pcm.ErrMalformed)
	}
	st.seq = h.seq

	r.lastEnd = -1
	for i, v := range lacing {
		if v < 255 {
			r.lastEnd = i
		}
	}
	if h.flags&flagEOS != 0 {
		if h.segments > 0 && lacing[h.segments-1] == 255 {
			return fmt.Errorf("ogg: last page of stream %08x ends inside a packet: %w", h.serial, pcm.ErrMalformed)
		}
		delete(r.streams, h.serial) // r.cur finishes its last packet
	}
	r.page, r.cur = h, st
	r.seg, r.off, r.returned = 0, 0, false
	return nil
}

// maxTrailer bounds the bytes after the last page that are skipped as a
// trailer.
const maxTrailer = maxPageBody

// trailer handles bytes that are not a page after every stream has ended,
// starting with head (eof: the input ends there). A short trailer without
// a capture pattern (an ID3v1 or APE tag, say) ends the input cleanly, as
// ffmpeg ignores it; anything else is garbage between pages.
func (r *Reader) trailer(head []byte, eof bool) error {
	buf := append(r.body[:0], head...)
	if !eof {
		n, err := io.ReadFull(r.r, r.body[len(head):maxTrailer])
		r.offset += int64(n)
		buf = r.body[:len(head)+n]
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			eof = true
		case err != nil:
			return fmt.Errorf("ogg: reading page: %w", err)
		}
	}
	if eof && !bytes.Contains(buf, []byte(capturePattern)) {
		return io.EOF
	}
	return fmt.Errorf("ogg: bytes that are not a page after the end of every stream: %w", pcm.ErrMalformed)
}

// readFull reads len(p) bytes of a page.
func (r *Reader) readFull(p []byte, what string) error {
	n, err := io.ReadFull(r.r, p)
	r.offset += int64(n)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("ogg: stream ends inside a page's %s: %w", what, pcm.ErrMalformed)
	default:
		return fmt.Errorf("ogg: reading page: %w", err)
	}
}

// end is the error at the end of the input: io.EOF unless a packet is
// unfinished.
func (r *Reader) end() error {
	for serial, st := range r.streams {
		if st.partial {
			return fmt.Errorf("ogg: stream %08x ends inside a packet: %w", serial, pcm.ErrMalformed)
		}
	}
	return io.EOF
}
