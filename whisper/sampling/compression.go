package sampling

import (
	"compress/flate"
	"math/bits"
	"sync"
)

// CompressionRatio is OpenAI's compression_ratio: the text's UTF-8 length
// over the length of zlib.compress(text) (default level 6). Repetitive
// (hallucinated) text compresses well and scores high; OpenAI falls back to
// a higher temperature above 2.4.
//
// The deflate stream comes from compress/flate at level 6, measured as if
// its data blocks were final: Go's Close appends an empty final stored block
// (up to 5 bytes) that C zlib does not, which on short texts skewed the ratio
// by 10–15 %. Go's LZ77 and Huffman choices still differ from zlib's, so the
// ratio matches Python's only to within a few percent (exactly for many
// short texts).
func CompressionRatio(text string) float64 {
	if text == "" {
		return 0 // Python: 0 / 8
	}
	t := deflatePool.Get().(*tailWriter)
	t.reset()
	_, _ = t.fw.Write([]byte(text))
	_ = t.fw.Close()
	n := t.deflatedLen()
	deflatePool.Put(t)
	const zlibFraming = 2 + 4 // header and Adler-32
	return float64(len(text)) / float64(zlibFraming+n)
}

// deflatePool reuses compressors: each holds about a megabyte.
var deflatePool = sync.Pool{New: func() any {
	t := &tailWriter{}
	t.fw, _ = flate.NewWriter(t, 6)
	return t
}}

// tailWriter receives a deflate stream, counting its bytes and keeping the
// last few: all deflatedLen needs.
type tailWriter struct {
	fw   *flate.Writer
	n    int     // bytes written
	tail [8]byte // tail[i%8] is byte i, for the last 8 bytes
}

func (t *tailWriter) reset() {
	t.n = 0
	t.tail = [8]byte{}
	t.fw.Reset(t)
}

func (t *tailWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		t.tail[t.n%len(t.tail)] = b
		t.n++
	}
	return len(p), nil
}

// deflatedLen is the stream's length without Go's closing empty stored
// block: 3 header bits (BFINAL=1, BTYPE=00), padding to a byte, then
// 00 00 FF FF. Its BFINAL bit is the last set bit before those 4 bytes, at
// bit B, so the data blocks take ceil(B/8) bytes — their length had the last
// of them been final, as zlib writes it.
func (t *tailWriter) deflatedLen() int {
	end := t.n - 4 // drop LEN/NLEN
	for i := end - 1; i >= max(0, end-len(t.tail)+1); i-- {
		if b := t.tail[i%len(t.tail)]; b != 0 {
			bit := i*8 + bits.Len8(b) - 1
			return (bit + 7) / 8
		}
	}
	return t.n // not Go's layout after all: count everything
}
