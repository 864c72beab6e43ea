package ggml

import "bytes"

// ParseMapped parses b the way Open parses a mapped file: tensor data and
// tokens sliced out of b. An empty file is not mapped by Open, so an empty
// b is read as Open would read it.
func ParseMapped(b []byte) (*File, error) {
	if len(b) == 0 {
		return Read(bytes.NewReader(b))
	}
	return parse(&decoder{mem: b, size: int64(len(b))})
}
