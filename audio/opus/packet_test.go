package opus

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

func TestTOC(t *testing.T) {
	for _, c := range []struct {
		toc             byte
		mode, bw, frame int
		channels        int
	}{
		{0<<3 | 0, modeSILK, bandwidthNarrow, 480, 1},
		{3<<3 | 4, modeSILK, bandwidthNarrow, 2880, 2},
		{5 << 3, modeSILK, bandwidthMedium, 960, 1},
		{11 << 3, modeSILK, bandwidthWide, 2880, 1},
		{12 << 3, modeHybrid, bandwidthSuperWide, 480, 1},
		{15 << 3, modeHybrid, bandwidthFull, 960, 1},
		{16 << 3, modeCELT, bandwidthNarrow, 120, 1},
		{21 << 3, modeCELT, bandwidthWide, 240, 1},
		{26 << 3, modeCELT, bandwidthSuperWide, 480, 1},
		{31<<3 | 4, modeCELT, bandwidthFull, 960, 2},
	} {
		if m, bw, f, ch := tocMode(c.toc), tocBandwidth(c.toc), tocFrameSamples(c.toc), tocChannels(c.toc); m != c.mode || bw != c.bw || f != c.frame || ch != c.channels {
			t.Errorf("TOC %#x: mode %d bw %d frame %d channels %d, want %d %d %d %d", c.toc, m, bw, f, ch, c.mode, c.bw, c.frame, c.channels)
		}
	}
}

func TestParsePacket(t *testing.T) {
	celt20 := byte(31 << 3) // CELT 20 ms
	for _, c := range []struct {
		name   string
		data   []byte
		self   bool
		sizes  []int
		length int
	}{
		{"code 0", []byte{celt20, 1, 2, 3}, false, []int{3}, 4},
		{"code 0 empty frame (DTX)", []byte{celt20}, false, []int{0}, 1},
		{"code 1", []byte{celt20 | 1, 1, 2, 3, 4}, false, []int{2, 2}, 5},
		{"code 2", []byte{celt20 | 2, 1, 9, 8, 7}, false, []int{1, 2}, 5},
		{"code 2 two-byte length", append([]byte{celt20 | 2, 252, 1}, make([]byte, 256+3)...), false, []int{256, 3}, 262},
		{"code 3 CBR", []byte{celt20 | 3, 3, 1, 2, 3}, false, []int{1, 1, 1}, 5},
		{"code 3 VBR", []byte{celt20 | 3, 0x80 | 2, 1, 5, 6, 7}, false, []int{1, 2}, 6},
		{"code 3 padding", []byte{celt20 | 3, 0x40 | 2, 2, 1, 2, 0, 0}, false, []int{1, 1}, 7},
		{"code 3 long padding", append([]byte{celt20 | 3, 0x40 | 1, 255, 1}, make([]byte, 255+2)...), false, []int{2}, 261},
		{"self-delimited code 0", []byte{celt20, 2, 7, 8, 99, 99}, true, []int{2}, 4},
		{"self-delimited code 1", []byte{celt20 | 1, 1, 7, 8, 99}, true, []int{1, 1}, 4},
		{"self-delimited code 3 CBR", []byte{celt20 | 3, 2, 1, 7, 8, 99}, true, []int{1, 1}, 5},
	} {
		var p parsedPacket
		if err := parsePacket(c.data, c.self, &p); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.count != len(c.sizes) || p.length != c.length {
			t.Errorf("%s: %d frames, length %d; want %d, %d", c.name, p.count, p.length, len(c.sizes), c.length)
			continue
		}
		for i, s := range c.sizes {
			if len(p.frames[i]) != s {
				t.Errorf("%s: frame %d of %d bytes, want %d", c.name, i, len(p.frames[i]), s)
			}
		}
	}
}

// TestParsePacketRules checks the rules R1 to R7 of RFC 6716 section 3.4.
func TestParsePacketRules(t *testing.T) {
	celt20 := byte(31 << 3)
	big := bytes.Repeat([]byte{0}, 1276)
	for _, c := range []struct {
		name string
		data []byte
		self bool
	}{
		{"R1 empty", nil, false},
		{"R2 code 0 frame over 1275 bytes", append([]byte{celt20}, big...), false},
		{"R3 code 1 odd payload", []byte{celt20 | 1, 1, 2, 3}, false},
		{"R4 code 2 length beyond the packet", []byte{celt20 | 2, 5, 1}, false},
		{"R4 code 2 truncated length", []byte{celt20 | 2, 252}, false},
		{"R4 code 2 second frame over 1275 bytes", append([]byte{celt20 | 2, 0}, big...), false},
		{"R5 code 3 no count byte", []byte{celt20 | 3}, false},
		{"R5 code 3 zero frames", []byte{celt20 | 3, 0}, false},
		{"R5 code 3 over 120 ms", []byte{celt20 | 3, 7}, false},
		{"R6 code 3 CBR not divisible", []byte{celt20 | 3, 2, 1, 2, 3}, false},
		{"R6 code 3 CBR frames over 1275 bytes", append([]byte{celt20 | 3, 1}, big...), false},
		{"R7 code 3 VBR lengths beyond the packet", []byte{celt20 | 3, 0x80 | 2, 9, 1}, false},
		{"R7 code 3 VBR truncated length", []byte{celt20 | 3, 0x80 | 3, 1}, false},
		{"R7 padding beyond the packet", []byte{celt20 | 3, 0x40 | 1, 10, 1}, false},
		{"R7 padding length truncated", []byte{celt20 | 3, 0x40 | 1, 255}, false},
		{"self-delimited length beyond the packet", []byte{celt20, 9, 1}, true},
		{"self-delimited truncated length", []byte{celt20}, true},
		{"self-delimited CBR frames beyond the packet", []byte{celt20 | 1, 3, 1, 2, 3}, true},
	} {
		var p parsedPacket
		err := parsePacket(c.data, c.self, &p)
		if !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", c.name, err)
		}
	}
}
