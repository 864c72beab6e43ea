package pcm

import (
	"errors"
	"fmt"
	"io"
)

// Mono reads a Decoder's audio as one channel, mixed with MonoWeights.
type Mono struct {
	dec     Decoder
	weights []float32
	block   [][]float32 // current block; block[c][pos:] not yet returned
	pos     int
	err     error // sticky, returned once the current block is drained
}

// NewMono returns a mono reader of dec.
func NewMono(dec Decoder) *Mono {
	return &Mono{dec: dec, weights: MonoWeights(dec.Info().Layout)}
}

// Info returns the underlying decoder's description.
func (m *Mono) Info() Info { return m.dec.Info() }

// Read fills dst with the next mono samples and returns how many it wrote.
// Samples are clipped to [-1, 1] as ffmpeg's conversion to 16 bits clips
// them, and a NaN (which a hostile stream can make some codecs produce)
// becomes 0, so nothing downstream sees a value outside the unit range. At
// the end it returns 0, io.EOF; a decode error is returned after the
// samples decoded before it. Read allocates nothing.
func (m *Mono) Read(dst []float32) (int, error) {
	n := 0
	for n < len(dst) {
		if len(m.block) > 0 && m.pos < len(m.block[0]) {
			k := min(len(dst)-n, len(m.block[0])-m.pos)
			m.mix(dst[n:n+k], m.pos)
			clip(dst[n : n+k])
			m.pos += k
			n += k
			continue
		}
		if m.err != nil {
			break
		}
		b, err := m.dec.Next()
		if err != nil {
			m.err = err
			continue
		}
		if len(b) != len(m.weights) {
			m.err = fmt.Errorf("%s: block of %d channels in a stream of %d: %w", m.dec.Info().Codec, len(b), len(m.weights), ErrMalformed)
			continue
		}
		for _, ch := range b[1:] {
			if len(ch) != len(b[0]) {
				m.err = fmt.Errorf("%s: channels of one block differ in length: %w", m.dec.Info().Codec, ErrMalformed)
				break
			}
		}
		m.block, m.pos = b, 0
		if m.err != nil {
			m.block = nil
		}
	}
	if n > 0 || len(dst) == 0 {
		return n, nil
	}
	if errors.Is(m.err, io.EOF) {
		return 0, io.EOF
	}
	return 0, m.err
}

// mix writes the weighted sum of the current block's channels from frame
// off into dst.
func (m *Mono) mix(dst []float32, off int) {
	b := m.block
	if len(b) == 1 {
		w := m.weights[0]
		src := b[0][off : off+len(dst)]
		if w == 1 {
			copy(dst, src)
			return
		}
		for i, v := range src {
			dst[i] = v * w
		}
		return
	}
	w0 := m.weights[0]
	for i, v := range b[0][off : off+len(dst)] {
		dst[i] = v * w0
	}
	for c := 1; c < len(b); c++ {
		w := m.weights[c]
		if w == 0 {
			continue
		}
		for i, v := range b[c][off : off+len(dst)] {
			dst[i] += v * w
		}
	}
}

// clip maps every sample into [-1, 1]; NaN becomes 0.
func clip(s []float32) {
	for i, v := range s {
		switch {
		case v > 1:
			s[i] = 1
		case v < -1:
			s[i] = -1
		case v != v:
			s[i] = 0
		}
	}
}
