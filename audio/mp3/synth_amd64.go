//go:build !purego

package mp3

// The kernels of the synthesis filterbank in SSE (amd64 without the purego
// tag; SSE2 is part of the amd64 baseline). Each has a Go version, which
// the tests compare it with; the purego tag selects the Go versions
// everywhere.

// synthWinT holds the coefficients of output m of the filterbank as
// synthWindowSSE takes them: synthWinA[m] for m ≤ 16, synthWinB[32-m]
// above.
var synthWinT = func() (t [32][16]float32) {
	for m := range 32 {
		if m <= 16 {
			t[m] = synthWinA[m]
		} else {
			t[m] = synthWinB[32-m]
		}
	}
	return t
}()

// synthDot computes the 32 outputs of the synthesis filterbank from the
// rows of a synthesis, the newest vector at slot p, in SSE.
func synthDot(rows *[17][32]float32, p int, out *[32]float32) {
	synthWindowSSE(&rows[0][p&15], &synthWinT, out)
}

//go:noescape
func synthWindowSSE(v *float32, t *[32][16]float32, out *[32]float32)

// dctScratch is dct32x4SSE's spill area.
type dctScratch [dct32x4Spills][4]float32

// dct32x4 computes into out[k][q] the dct32 of time slots t+q, q < 4, of
// s, one per lane of SSE.
func dct32x4(s *[32][slotStride]float32, t int, out *[32][4]float32, scratch *dctScratch) {
	_ = s[0][t+3] // the four slots are within the rows
	dct32x4SSE(&s[0][t], out, scratch)
}

//go:noescape
func dct32x4SSE(s *float32, out *[32][4]float32, scratch *dctScratch)
