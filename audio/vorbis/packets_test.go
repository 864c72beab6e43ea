package vorbis

import (
	"os"
	"testing"
)

// readPackets returns the packets of a single-stream Ogg file, without
// checks: enough for the tests of this package, which cannot import
// audio/ogg (it imports this package).
func readPackets(tb testing.TB, path string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	var cur []byte
	for len(b) >= 27 {
		nseg := int(b[26])
		lacing := b[27 : 27+nseg]
		body := b[27+nseg:]
		for _, v := range lacing {
			cur = append(cur, body[:v]...)
			body = body[v:]
			if v < 255 {
				out = append(out, cur)
				cur = nil
			}
		}
		size := 27 + nseg
		for _, v := range lacing {
			size += int(v)
		}
		b = b[size:]
	}
	return out
}
