//go:build ignore

// Command varblock writes a variable-blocksize FLAC stream for the tests: it
// takes the frames of several fixed-blocksize FLAC files (consecutive parts
// of one clip, encoded by flac with different blocksizes), rewrites each
// frame header to the variable-blocksize form (blocking strategy bit set,
// coded number = number of the frame's first sample), recomputes the
// header CRC-8 and frame CRC-16, and puts them behind the STREAMINFO of a
// file holding the whole clip (so total samples and MD5 are right), with
// the blocksize bounds widened and the frame size bounds unknown.
//
//	go run varblock.go OUT WHOLE.flac PART.flac...
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 4 {
		fail("usage: varblock OUT WHOLE.flac PART.flac...")
	}
	whole := read(os.Args[2])
	info, _ := metadata(whole)
	var out bytes.Buffer
	out.WriteString("fLaC")
	out.Write([]byte{0x80, 0, 0, 34}) // last block, STREAMINFO, 34 bytes
	minBS, maxBS := 65535, 0
	var frames [][]byte
	for _, name := range os.Args[3:] {
		data := read(name)
		_, start := metadata(data)
		for _, f := range split(data[start:]) {
			frames = append(frames, f)
		}
	}
	var sample uint64
	var body bytes.Buffer
	for i, f := range frames {
		hdrLen, bs := header(f)
		if i < len(frames)-1 {
			minBS = min(minBS, bs)
		}
		maxBS = max(maxBS, bs)
		var h []byte
		h = append(h, 0xFF, 0xF9, f[2], f[3])
		h = append(h, coded(sample)...)
		n := codedLen(f[4])
		h = append(h, f[4+n:hdrLen-1]...) // uncommon blocksize and rate
		h = append(h, crc8(h))
		fr := append(h, f[hdrLen:len(f)-2]...)
		c := crc16(fr)
		fr = append(fr, byte(c>>8), byte(c))
		body.Write(fr)
		sample += uint64(bs)
	}
	si := append([]byte(nil), info...)
	binary.BigEndian.PutUint16(si[0:], uint16(minBS))
	binary.BigEndian.PutUint16(si[2:], uint16(maxBS))
	copy(si[4:10], make([]byte, 6)) // frame sizes unknown
	total := binary.BigEndian.Uint64(si[10:18]) & (1<<36 - 1)
	if total != sample {
		fail(fmt.Sprintf("parts hold %d samples, the whole clip %d", sample, total))
	}
	out.Write(si)
	out.Write(body.Bytes())
	if err := os.WriteFile(os.Args[1], out.Bytes(), 0o644); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "varblock:", msg)
	os.Exit(1)
}

func read(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		fail(err.Error())
	}
	return b
}

// metadata returns the STREAMINFO body and the offset of the first frame.
func metadata(b []byte) ([]byte, int) {
	if string(b[:4]) != "fLaC" {
		fail("not a FLAC file")
	}
	p := 4
	var info []byte
	for {
		last := b[p]&0x80 != 0
		size := int(b[p+1])<<16 | int(b[p+2])<<8 | int(b[p+3])
		if b[p]&0x7F == 0 {
			info = b[p+4 : p+4+size]
		}
		p += 4 + size
		if last {
			return info, p
		}
	}
}

// split cuts a run of fixed-blocksize frames at the sync codes where the
// header CRC-8 and the preceding frame's CRC-16 both check.
func split(b []byte) [][]byte {
	var frames [][]byte
	start := 0
	for i := 2; i <= len(b); i++ {
		end := i == len(b)
		if !end && !(b[i] == 0xFF && b[i+1] == 0xF8 && validHeader(b[i:])) {
			continue
		}
		if crc16(b[start:i-2]) != binary.BigEndian.Uint16(b[i-2:]) {
			if end {
				fail("last frame does not check")
			}
			continue
		}
		frames = append(frames, b[start:i])
		start = i
	}
	return frames
}

func validHeader(b []byte) bool {
	if len(b) < 6 || codedLen(b[4]) == 0 {
		return false
	}
	n := headerLen(b)
	return n <= len(b) && crc8(b[:n-1]) == b[n-1]
}

func codedLen(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c&0xE0 == 0xC0:
		return 2
	case c&0xF0 == 0xE0:
		return 3
	case c&0xF8 == 0xF0:
		return 4
	case c&0xFC == 0xF8:
		return 5
	case c&0xFE == 0xFC:
		return 6
	case c == 0xFE:
		return 7
	}
	return 0
}

func headerLen(b []byte) int {
	n := 4 + codedLen(b[4])
	switch b[2] >> 4 {
	case 6:
		n++
	case 7:
		n += 2
	}
	switch b[2] & 15 {
	case 12:
		n++
	case 13, 14:
		n += 2
	}
	return n + 1
}

// header returns the header length and the block size of frame f.
func header(f []byte) (int, int) {
	n := headerLen(f)
	extra := f[4+codedLen(f[4]):]
	switch c := int(f[2] >> 4); {
	case c == 1:
		return n, 192
	case c >= 2 && c <= 5:
		return n, 144 << c
	case c == 6:
		return n, int(extra[0]) + 1
	case c == 7:
		return n, int(binary.BigEndian.Uint16(extra)) + 1
	case c >= 8:
		return n, 1 << c
	}
	fail("reserved block size")
	return 0, 0
}

// coded encodes v in FLAC's extended UTF-8.
func coded(v uint64) []byte {
	if v < 0x80 {
		return []byte{byte(v)}
	}
	n := 2
	for v >= 1<<(5*n+1) {
		n++
	}
	b := make([]byte, n)
	for i := n - 1; i > 0; i-- {
		b[i] = 0x80 | byte(v&0x3F)
		v >>= 6
	}
	b[0] = byte(0xFF<<(8-n)) | byte(v)
	return b
}

func crc8(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c ^= uint16(x) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
	}
	return c
}
