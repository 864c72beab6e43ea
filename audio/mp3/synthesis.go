package mp3

// The polyphase synthesis filterbank, ISO/IEC 11172-3 2.4.3.4.10.2 and
// Figure A.2: every 32 subband samples are matrixed into a 64-value vector
// V (with a fast DCT-II of 32 points), and the last 16 vectors, windowed
// by D, give 32 output samples:
//
//	out[j] = Σ_{k<16} D[32k+j] · V_k[j + 32·(k&1)]
//
// where V_k is the vector of k time slots ago. V is the DCT's output X
// mirrored with signs: V[i] = X[16+i] for i < 16, V[16] = 0,
// V[i] = −X[48−i] for 16 < i ≤ 48 and V[i] = −X[i−48] above. So out[j]
// takes X_k[16+j] from the even k and X_k[16−j] from the odd ones, and
// out[32−j] (0 < j < 16) the same 16 values with other coefficients:
//
//	out[j]    = Σ_{k even} D[32k+j]·X_k[16+j]    − Σ_{k odd} D[32k+j]·X_k[16−j]
//	out[32−j] = −Σ_{k even} D[32k+32−j]·X_k[16+j] − Σ_{k odd} D[32k+32−j]·X_k[16−j]
//
// The filterbank keeps, for each j ≤ 16, the 16 values out[j] needs as a
// row, oldest last, so that both outputs are dot products of 16 contiguous
// values with a row of signed coefficients (synthWinA, synthWinB).

// synthWinA[j][k] is D[32k+j], negated for odd k; synthWinB[j][k] is
// −D[32k+32−j] (for 0 < j < 16). D is in units of 2^-16.
var synthWinA, synthWinB = makeSynthWindows()

func makeSynthWindows() (a, b [17][16]float32) {
	d := func(i int) float32 { return float32(synthWindow[i]) / 65536 }
	for j := range 17 {
		for k := range 16 {
			a[j][k] = d(32*k + j)
			if k&1 == 1 {
				a[j][k] = -a[j][k]
			}
			if j > 0 && j < 16 {
				b[j][k] = -d(32*k + 32 - j)
			}
		}
	}
	return a, b
}

// A synthesis is the state of one channel's filterbank. Time slot s
// (0-15, counted down modulo 16 as slots come) keeps its X[16+j] and
// X[16−j] (X[32] being 0) in rows[par][j] at s and s+16, so that
// rows[p&1][j][p:p+16], for the newest slot p, are the 16 values out[j]
// needs, newest first: rows[par] holds X[16+j] in the slots of the parity
// of par, X[16−j] in the others.
type synthesis struct {
	rows [2][17][32]float32
	pos  int // slot of the newest vector
}

// slotStride is the length of the rows of subband samples dct32x4 takes:
// 18 time slots and room for the two lanes of its last group of four.
const slotStride = 20

// synthesize turns the DCT x[k][q] of the 32 subband samples of a time slot
// into 32 output samples.
func (st *synthesis) synthesize(xs *[32][4]float32, q int, out *[32]float32) {
	q &= 3
	p := (st.pos + 15) & 15
	st.pos = p
	// Slot p is even in rows[p&1] (which takes X[16+j] there) and odd in
	// the other one.
	ev, od := &st.rows[p&1], &st.rows[p&1^1]
	for j := range 16 {
		e, o := xs[16+j][q], xs[16-j][q]
		ev[j][p], ev[j][p+16] = e, e
		od[j][p], od[j][p+16] = o, o
	}
	ev[16][p], ev[16][p+16] = 0, 0
	x0 := xs[0][q]
	od[16][p], od[16][p+16] = x0, x0

	synthDot(ev, p, out)
}

// synthDotGo is synthDot in Go.
func synthDotGo(rows *[17][32]float32, p int, out *[32]float32) {
	out[0] = dot16(&synthWinA[0], (*[16]float32)(rows[0][p:]))
	for j := 1; j < 16; j++ {
		v := (*[16]float32)(rows[j][p:])
		out[j], out[32-j] = dot16x2(&synthWinA[j], &synthWinB[j], v)
	}
	out[16] = dot16(&synthWinA[16], (*[16]float32)(rows[16][p:]))
}

// dot16 returns Σ a[k]·v[k].
func dot16(a, v *[16]float32) float32 {
	s0 := a[0]*v[0] + a[1]*v[1] + a[2]*v[2] + a[3]*v[3]
	s1 := a[4]*v[4] + a[5]*v[5] + a[6]*v[6] + a[7]*v[7]
	s2 := a[8]*v[8] + a[9]*v[9] + a[10]*v[10] + a[11]*v[11]
	s3 := a[12]*v[12] + a[13]*v[13] + a[14]*v[14] + a[15]*v[15]
	return (s0 + s1) + (s2 + s3)
}

// dot16x2 returns Σ a[k]·v[k] and Σ b[k]·v[k].
func dot16x2(a, b, v *[16]float32) (float32, float32) {
	v0, v1, v2, v3, v4, v5, v6, v7 := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	sa0 := a[0]*v0 + a[1]*v1 + a[2]*v2 + a[3]*v3
	sb0 := b[0]*v0 + b[1]*v1 + b[2]*v2 + b[3]*v3
	sa1 := a[4]*v4 + a[5]*v5 + a[6]*v6 + a[7]*v7
	sb1 := b[4]*v4 + b[5]*v5 + b[6]*v6 + b[7]*v7
	v8, v9, v10, v11, v12, v13, v14, v15 := v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
	sa2 := a[8]*v8 + a[9]*v9 + a[10]*v10 + a[11]*v11
	sb2 := b[8]*v8 + b[9]*v9 + b[10]*v10 + b[11]*v11
	sa3 := a[12]*v12 + a[13]*v13 + a[14]*v14 + a[15]*v15
	sb3 := b[12]*v12 + b[13]*v13 + b[14]*v14 + b[15]*v15
	return (sa0 + sa1) + (sa2 + sa3), (sb0 + sb1) + (sb2 + sb3)
}
