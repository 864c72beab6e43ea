package mp4

// windowSize is the size of the buffer through which a table is read. A
// decoder holds a handful of them, whatever the size of the tables.
const windowSize = 4096

// window reads a range of the file front to back through a fixed buffer,
// refilling it as it is consumed. It is how the sample tables, which may
// hold millions of entries, are read without loading them.
type window struct {
	src  *source
	next int64  // file offset of the first byte not yet in buf
	end  int64  // end of the range
	what string // the range, for errors
	r, w int    // buf[r:w] is read but not consumed
	buf  [windowSize]byte
}

// reset points w at the range [off, end) of the file.
func (w *window) reset(src *source, off, end int64, what string) {
	w.src, w.next, w.end, w.what = src, off, end, what
	w.r, w.w = 0, 0
}

// left is the number of bytes of the range not yet consumed.
func (w *window) left() int64 { return int64(w.w-w.r) + w.end - w.next }

// read consumes the next n bytes (n ≤ windowSize) and returns them; they
// stay valid until the next call. Reading past the range is malformed.
func (w *window) read(n int) ([]byte, error) {
	if w.w-w.r < n {
		if int64(n) > w.left() {
			return nil, malformed("the %s box ends in the middle of an entry", w.what)
		}
		k := copy(w.buf[:], w.buf[w.r:w.w])
		m := int(min(int64(len(w.buf)-k), w.end-w.next))
		if err := w.src.readAt(w.buf[k:k+m], w.next, "the "+w.what+" box"); err != nil {
			return nil, err
		}
		w.next += int64(m)
		w.r, w.w = 0, k+m
	}
	p := w.buf[w.r : w.r+n]
	w.r += n
	return p, nil
}
