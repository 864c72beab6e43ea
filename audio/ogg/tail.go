package ogg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// tailSize is how much of the end of a file is read to find the last page
// of a stream.
const tailSize = 64 << 10

// leadBytes is how many bytes of a packet's start the frame count needs:
// a Vorbis packet's mode and window flag, or an Opus packet's TOC and
// frame count.
const leadBytes = 2

// leadPacket is what the end scan keeps of a packet: its first bytes.
type leadPacket struct {
	lead    [leadBytes]byte
	n       int   // bytes of lead filled
	granule int64 // granule of the page it ends on (-1 unless last there)
	page    int   // index of that page in the scan
	known   bool  // the scan saw its start: lead is valid
}

// tailScan is what the end of a file says about one logical stream.
type tailScan struct {
	found   bool   // a page of the stream is in the scanned tail
	granule int64  // granule of its last page
	seq     uint32 // sequence number of its last page
	eos     bool   // its last page carries the EOS flag
	chained bool   // a stream begins after it
	// final are the packets ending on the last page; before is the packet
	// ending before them (hasBefore when the scan saw it end).
	final     []leadPacket
	before    leadPacket
	hasBefore bool
}

// scanTail reads the last tailSize bytes before end and finds the pages of
// serial there, checking each page's CRC.
func scanTail(rs io.ReadSeeker, start, end int64, serial uint32) (tailScan, error) {
	var ts tailScan
	from := max(start, end-tailSize)
	if _, err := rs.Seek(from, io.SeekStart); err != nil {
		return ts, fmt.Errorf("ogg: seeking to the end: %w", err)
	}
	buf := make([]byte, end-from)
	if _, err := io.ReadFull(rs, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return ts, nil // the file shrank: no frame count
		}
		return ts, fmt.Errorf("ogg: reading the end: %w", err)
	}

	var (
		pages   int
		cur     leadPacket
		known   bool // cur's start was seen
		packets []leadPacket
		last    = -1 // index of serial's last page so far
		data    bool // a page of serial other than its first was seen
	)
	for i := 0; i+headerSize <= len(buf); {
		size, ok := pageAt(buf[i:])
		if !ok {
			i++
			continue
		}
		page := buf[i : i+size]
		i += size
		h, _ := parseHeader(page)
		if h.flags&flagBOS != 0 && data {
			ts.chained = true // a new link, whatever its serial
		}
		if h.serial != serial {
			pages++
			continue
		}
		data = data || h.flags&flagBOS == 0
		last = pages
		ts.found, ts.granule, ts.seq, ts.eos = true, h.granule, h.seq, h.flags&flagEOS != 0
		lacing := page[headerSize : headerSize+h.segments]
		body := page[headerSize+h.segments:]
		if h.flags&flagContinued == 0 {
			cur, known = leadPacket{}, true
		}
		lastEnd := -1
		for k, v := range lacing {
			if v < 255 {
				lastEnd = k
			}
		}
		for k, v := range lacing {
			seg := body[:v]
			body = body[v:]
			for _, b := range seg {
				if cur.n == leadBytes {
					break
				}
				cur.lead[cur.n] = b
				cur.n++
			}
			if v == 255 {
				continue
			}
			cur.page, cur.granule, cur.known = pages, -1, known
			if k == lastEnd {
				cur.granule = h.granule
			}
			packets = append(packets, cur)
			cur, known = leadPacket{}, true
		}
		pages++
	}
	if last < 0 {
		return ts, nil
	}
	k := len(packets)
	for k > 0 && packets[k-1].page == last {
		k--
	}
	ts.final = packets[k:]
	if k > 0 {
		ts.before, ts.hasBefore = packets[k-1], true
	}
	return ts, nil
}

// pageAt returns the size of the page at the start of b if one is there
// whole, with a valid header and CRC.
func pageAt(b []byte) (int, bool) {
	if len(b) < headerSize || string(b[:4]) != capturePattern {
		return 0, false
	}
	h, err := parseHeader(b)
	if err != nil || len(b) < headerSize+h.segments {
		return 0, false
	}
	lacing := b[headerSize : headerSize+h.segments]
	size := headerSize + h.segments + bodySize(lacing)
	if len(b) < size {
		return 0, false
	}
	if pageCRC(b[:headerSize], lacing, b[headerSize+h.segments:size]) != binary.LittleEndian.Uint32(b[22:]) {
		return 0, false
	}
	return size, true
}
