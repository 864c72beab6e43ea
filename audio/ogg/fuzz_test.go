package ogg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// FuzzReader splits arbitrary bytes into packets: errors must wrap
// ErrMalformed or ErrUnsupported, packets must respect MaxPacketSize, and
// the reader must end.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		for range len(data) + 1 { // every packet but empty ones consumes input
			p, err := r.NextPacket()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
					t.Fatalf("error %v wraps neither ErrMalformed nor ErrUnsupported", err)
				}
				if _, err2 := r.NextPacket(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
			if len(p.Data) > MaxPacketSize {
				t.Fatalf("packet of %d bytes", len(p.Data))
			}
		}
		// Empty packets take a lacing value each, at most 255 a page.
		if len(data) > 0 {
			for range 255 * len(data) {
				if _, err := r.NextPacket(); err != nil {
					return
				}
			}
			t.Fatal("reader does not end")
		}
	})
}

// withValidCRCs returns data with the CRC of every whole page it holds
// recomputed, so that mutations reach the codecs instead of stopping at
// the checksum (which FuzzReader covers).
func withValidCRCs(data []byte) []byte {
	data = bytes.Clone(data)
	for i := 0; i+headerSize <= len(data); {
		b := data[i:]
		if string(b[:4]) != capturePattern || len(b) < headerSize+int(b[26]) {
			i++
			continue
		}
		nseg := int(b[26])
		size := headerSize + nseg + bodySize(b[headerSize:headerSize+nseg])
		if len(b) < size {
			i++
			continue
		}
		binary.LittleEndian.PutUint32(b[22:], pageCRC(b[:headerSize], b[headerSize:headerSize+nseg], b[headerSize+nseg:size]))
		i += size
	}
	return data
}

// FuzzDecoder decodes arbitrary bytes as an Ogg file (with the page CRCs
// made valid), with a cap on the output: errors must wrap ErrMalformed or
// ErrUnsupported, blocks must be whole.
func FuzzDecoder(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewDecoder(bytes.NewReader(withValidCRCs(data)))
		if !audiotest.Accepted(t, err) {
			return
		}
		ch := dec.Info().Channels()
		total := 0
		for total < 1<<22 {
			b, ok := audiotest.FuzzNext(t, dec, pcm.ErrMalformed, pcm.ErrUnsupported)
			if !ok {
				return
			}
			audiotest.CheckBlock(t, b, ch, pcm.MaxBlockFrames)
			total += len(b[0]) + 1
		}
	})
}
