package ogg

import (
	"bytes"
	"encoding/binary"
)

// testPage is a page the tests build by hand.
type testPage struct {
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
	lacing  []byte
	body    []byte
	badCRC  bool
}

// bytes encodes the page with its CRC.
func (p testPage) bytes() []byte {
	h := make([]byte, headerSize)
	copy(h, capturePattern)
	h[5] = p.flags
	binary.LittleEndian.PutUint64(h[6:], uint64(p.granule))
	binary.LittleEndian.PutUint32(h[14:], p.serial)
	binary.LittleEndian.PutUint32(h[18:], p.seq)
	h[26] = byte(len(p.lacing))
	crc := pageCRC(h, p.lacing, p.body)
	if p.badCRC {
		crc ^= 1
	}
	binary.LittleEndian.PutUint32(h[22:], crc)
	return append(append(h, p.lacing...), p.body...)
}

// paginate lays packets out on pages of at most maxSeg lacing values, as
// an encoder does: a packet's lacing values may run over into the next
// page. granule[i] is the granule of packet i; a page gets the granule of
// the last packet ending on it, or -1. The first page is BOS, the last EOS
// when eos is set.
func paginate(serial uint32, packets [][]byte, granule []int64, maxSeg int, eos bool) []testPage {
	var pages []testPage
	cur := testPage{serial: serial, granule: -1, flags: flagBOS}
	flush := func(continued bool) {
		pages = append(pages, cur)
		cur = testPage{serial: serial, seq: cur.seq + 1, granule: -1}
		if continued {
			cur.flags = flagContinued
		}
	}
	for i, p := range packets {
		rest := p
		for {
			if len(cur.lacing) == maxSeg {
				flush(true)
			}
			k := min(len(rest), 255)
			cur.lacing = append(cur.lacing, byte(k))
			cur.body = append(cur.body, rest[:k]...)
			rest = rest[k:]
			if k < 255 {
				break
			}
		}
		cur.granule = granule[i]
		if len(cur.lacing) == maxSeg && i < len(packets)-1 {
			flush(false)
		}
	}
	if eos {
		cur.flags |= flagEOS
	}
	pages = append(pages, cur)
	return pages
}

// join concatenates encoded pages.
func join(pages ...testPage) []byte {
	var b bytes.Buffer
	for _, p := range pages {
		b.Write(p.bytes())
	}
	return b.Bytes()
}
