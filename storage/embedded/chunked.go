package embedded

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// streamingPayload is the X-Amz-Content-Sha256 value of an aws-chunked body
// signed chunk by chunk (SigV4 streaming). minio-go sends it for uploads
// over plain http.
const streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

// dechunk decodes aws-chunked request bodies before gofakes3 sees them.
//
// gofakes3 v1.2.0 decodes them for PutObject but not for UploadPart, so a
// multipart upload from minio-go (any Put of unknown size, or of 16 MiB and
// more) would store the chunk framing ("8;chunk-signature=...\r\n") as
// object data. Decoding here, for every request, keeps one code path;
// signatures are not checked, as gofakes3 checks none.
func dechunk(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Content-Sha256") == streamingPayload {
			if n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err == nil && n >= 0 {
				r.ContentLength = n
				r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
			}
			r.Body = &decodedBody{Reader: newChunkReader(r.Body), Closer: r.Body}
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			r.Header.Del("X-Amz-Decoded-Content-Length")
			if enc := withoutAWSChunked(r.Header.Get("Content-Encoding")); enc != "" {
				r.Header.Set("Content-Encoding", enc)
			} else {
				r.Header.Del("Content-Encoding")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withoutAWSChunked removes "aws-chunked" from a Content-Encoding list.
func withoutAWSChunked(enc string) string {
	var keep []string
	for _, e := range strings.Split(enc, ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ",")
}

type decodedBody struct {
	io.Reader
	io.Closer
}

// chunkReader decodes an aws-chunked stream:
//
//	<hex size>;chunk-signature=<sig>\r\n<size bytes>\r\n ... 0;chunk-signature=<sig>\r\n\r\n
//
// streaming, without holding more than one buffered read in memory.
type chunkReader struct {
	r       *bufio.Reader
	remain  int64 // data bytes left in the current chunk
	started bool  // a chunk has been read, so a CRLF precedes the next header
	err     error // sticky error, io.EOF after the last chunk
}

// maxChunkHeader bounds a chunk header line.
const maxChunkHeader = 4 << 10

var errBadChunk = errors.New("malformed aws-chunked body")

func newChunkReader(r io.Reader) *chunkReader {
	return &chunkReader{r: bufio.NewReader(r)}
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.remain == 0 {
		if c.err != nil {
			return 0, c.err
		}
		c.err = c.nextChunk()
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.r.Read(p)
	c.remain -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// nextChunk reads the next chunk header. It returns io.EOF after the final,
// empty chunk and its (ignored) trailers.
func (c *chunkReader) nextChunk() error {
	if c.started {
		if line, err := c.line(); err != nil || line != "" {
			return errOr(err, fmt.Errorf("%w: no CRLF after chunk data", errBadChunk))
		}
	}
	c.started = true
	line, err := c.line()
	if err != nil {
		return err
	}
	sizeHex, _, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("%w: chunk header %.64q", errBadChunk, line)
	}
	if size > 0 {
		c.remain = size
		return nil
	}
	// Final chunk: skip trailer lines up to the empty line.
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		if line == "" {
			return io.EOF
		}
	}
}

// line reads one CRLF-terminated line without its terminator.
func (c *chunkReader) line() (string, error) {
	var b []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxChunkHeader {
			return "", fmt.Errorf("%w: chunk header too long", errBadChunk)
		}
		switch {
		case err == nil:
			return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
