package vorbis_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
	"github.com/xdna-worker/xdna-worker/audio/vorbis"
)

// splitPackets reads the fuzz input as packets, each a 16-bit
// little-endian length and its bytes.
func splitPackets(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzVorbis feeds three header packets and audio packets to the decoder.
// Errors must wrap ErrMalformed or ErrUnsupported; blocks must be whole
// and no longer than half a long block.
func FuzzVorbis(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		packets := splitPackets(data)
		if len(packets) < 3 {
			return
		}
		d, err := vorbis.NewDecoder(packets[0], packets[1], packets[2])
		if !audiotest.Accepted(t, err) {
			return
		}
		_, long := d.BlockSizes()
		total := 0
		for _, p := range packets[3:] {
			out, err := d.Decode(p)
			if err != nil {
				if !errors.Is(err, pcm.ErrMalformed) {
					t.Fatalf("Decode: %v", err)
				}
				continue
			}
			audiotest.CheckBlock(t, out, d.Channels(), long/2)
			if total += len(out[0]); total > 1<<20 {
				return
			}
		}
	})
}
