package mp4

// unitReader reads the access units the demuxer yields as one byte
// stream, for codecs whose decoders read a stream (MP3). It holds one
// access unit at a time.
type unitReader struct {
	demux *demuxer
	count *int   // access units read, shared with the Decoder for errors
	buf   []byte // the current access unit
	pos   int    // bytes of buf already read
}

// Read fills p from the current access unit, reading the next one when
// it is used up. At the end of the track it returns io.EOF.
func (u *unitReader) Read(p []byte) (int, error) {
	for u.pos == len(u.buf) {
		s, err := u.demux.nextSample()
		if err != nil {
			return 0, err
		}
		*u.count++
		if u.buf, err = readUnit(u.demux.src, s, u.buf, *u.count); err != nil {
			return 0, err
		}
		u.pos = 0
	}
	n := copy(p, u.buf[u.pos:])
	u.pos += n
	return n, nil
}

// readUnit reads access unit number n, s, into buf, growing it as needed
// up to MaxSampleSize.
func readUnit(src *source, s sample, buf []byte, n int) ([]byte, error) {
	switch {
	case s.size == 0:
		return buf[:0], malformed("access unit %d is empty", n)
	case s.size > MaxSampleSize:
		return buf[:0], malformed("access unit %d is %d bytes, more than the %d accepted", n, s.size, MaxSampleSize)
	}
	if cap(buf) < int(s.size) {
		buf = make([]byte, s.size, min(max(int(s.size), 2*cap(buf)), MaxSampleSize))
	}
	buf = buf[:s.size]
	if err := src.readAt(buf, s.offset, "the data of an access unit"); err != nil {
		return buf[:0], err
	}
	return buf, nil
}
