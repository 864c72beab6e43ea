package flac

import (
	"crypto/md5"
	"encoding/binary"
	"hash"
)

// md5ChunkFrames is how many frames the MD5 serialisation handles at once.
const md5ChunkFrames = 512

// signature computes the MD5 signature of the decoded audio the way
// STREAMINFO defines it (RFC 9639 section 8.2): all samples, interleaved,
// each as a little-endian two's complement number of bits/8 bytes rounded
// up.
type signature struct {
	h     hash.Hash
	width int
	buf   []byte
}

func newSignature(bits, channels int) *signature {
	w := (bits + 7) / 8
	return &signature{h: md5.New(), width: w, buf: make([]byte, md5ChunkFrames*channels*w)}
}

// add hashes the first n samples of each channel.
func (s *signature) add(chans [][]int64, n int) {
	le := binary.LittleEndian
	for start := 0; start < n; start += md5ChunkFrames {
		end := min(n, start+md5ChunkFrames)
		p := s.buf[:(end-start)*len(chans)*s.width]
		j := 0
		switch s.width {
		case 1:
			for i := start; i < end; i++ {
				for _, c := range chans {
					p[j] = byte(c[i])
					j++
				}
			}
		case 2:
			for i := start; i < end; i++ {
				for _, c := range chans {
					le.PutUint16(p[j:], uint16(c[i]))
					j += 2
				}
			}
		case 3:
			for i := start; i < end; i++ {
				for _, c := range chans {
					v := c[i]
					_ = p[j+2]
					p[j], p[j+1], p[j+2] = byte(v), byte(v>>8), byte(v>>16)
					j += 3
				}
			}
		default:
			for i := start; i < end; i++ {
				for _, c := range chans {
					le.PutUint32(p[j:], uint32(c[i]))
					j += 4
				}
			}
		}
		s.h.Write(p)
	}
}

// matches reports whether the audio hashed so far has the signature want.
func (s *signature) matches(want [16]byte) bool {
	var got [16]byte
	s.h.Sum(got[:0])
	return got == want
}
