package wav

import (
	"encoding/binary"
	"io"
	"math"
)

// Write writes samples (in [-1, 1]) as a 16-bit PCM mono WAV file at the
// given sample rate.
func Write(w io.Writer, samples []float32, rate int) error {
	data := 2 * len(samples)
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+data))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1) // PCM
	binary.LittleEndian.PutUint16(hdr[22:], 1) // mono
	binary.LittleEndian.PutUint32(hdr[24:], uint32(rate))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(hdr[32:], 2)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(data))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 8192)
	for _, s := range samples {
		v := int16(math.Round(float64(max(-1, min(1, s))) * 32767))
		buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
