//go:build !amd64 || purego

package mp3

// synthDot computes the 32 outputs of the synthesis filterbank from the
// rows of a synthesis, the newest vector at slot p.
func synthDot(rows *[17][32]float32, p int, out *[32]float32) {
	synthDotGo(rows, p, out)
}

// dctScratch is dct32x4's working space.
type dctScratch struct{}

// dct32x4 computes into out[k][q] the dct32 of time slots t+q, q < 4, of
// s.
func dct32x4(s *[32][slotStride]float32, t int, out *[32][4]float32, _ *dctScratch) {
	for q := range 4 {
		dct32(s, t+q, out, q)
	}
}
