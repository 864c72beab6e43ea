package embedded

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func encodeChunks(data []byte, chunk int, trailer string) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(chunk, len(data))
		fmt.Fprintf(&b, "%x;chunk-signature=%064d\r\n", n, 0)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	fmt.Fprintf(&b, "0;chunk-signature=%064d\r\n%s\r\n", 0, trailer)
	return b.String()
}

func TestChunkReader(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160000 bytes
	for _, tt := range []struct {
		name    string
		data    []byte
		chunk   int
		trailer string
	}{
		{"empty", nil, 64 << 10, ""},
		{"one chunk", data[:100], 64 << 10, ""},
		{"many chunks", data, 64 << 10, ""},
		{"odd chunks", data, 7777, ""},
		{"trailer", data[:5000], 1000, "x-amz-checksum-crc32:AAAAAA==\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enc := encodeChunks(tt.data, tt.chunk, tt.trailer)
			// One byte at a time exercises every boundary.
			got, err := io.ReadAll(newChunkReader(iotest.OneByteReader(strings.NewReader(enc))))
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("decoded %d bytes, %v; want %d bytes", len(got), err, len(tt.data))
			}
			if err := iotest.TestReader(newChunkReader(strings.NewReader(enc)), tt.data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestChunkReaderMalformed(t *testing.T) {
	full := encodeChunks([]byte("hello world"), 4, "")
	for name, enc := range map[string]string{
		"bad size":    "zz;chunk-signature=00\r\nhello\r\n",
		"no CRLF":     "5;chunk-signature=00\r\nhelloXX0;chunk-signature=00\r\n\r\n",
		"truncated":   full[:len(full)/2],
		"no end":      "5;chunk-signature=00\r\nhello\r\n",
		"long header": strings.Repeat("1", 10000),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := io.ReadAll(newChunkReader(strings.NewReader(enc)))
			if err == nil {
				t.Fatal("decoded a malformed body without error")
			}
			if !errors.Is(err, errBadChunk) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error %v; want errBadChunk or io.ErrUnexpectedEOF", err)
			}
		})
	}
}

func TestWithoutAWSChunked(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"aws-chunked":       "",
		"aws-chunked,gzip":  "gzip",
		"gzip, AWS-CHUNKED": "gzip",
	} {
		if got := withoutAWSChunked(in); got != want {
			t.Errorf("withoutAWSChunked(%q) = %q, want %q", in, got, want)
		}
	}
}
