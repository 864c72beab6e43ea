package celt

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// Decoding of PVQ codewords (RFC 6716 section 4.3.4.2; libopus
// celt/cwrs.c, the table-driven variant).

// pvqU holds U(k, n), the number of PVQ codewords of n dimensions with at
// most k-1 pulses where the first is nonnegative (see cwrs.c), for the
// k ≤ 14 and n ≤ 176 the standard mode can ask for. Entries that do not
// fit in 32 bits are never used; they saturate.
var pvqU = func() (u [15][177]uint32) {
	var t [15][177]uint64
	t[0][0] = 1
	for k := 1; k < 15; k++ {
		for n := 0; n < 177; n++ {
			if n == 0 {
				continue
			}
			v := t[k-1][n] + t[k][n-1] + t[k-1][n-1]
			if v > 1<<40 {
				v = 1 << 40
			}
			t[k][n] = v
		}
	}
	// U is symmetric: U(n,k) = U(k,n); row k holds U(k, n) for all n.
	for k := range t {
		for n := range t[k] {
			v := t[k][n]
			if v > 0xFFFFFFFF {
				v = 0xFFFFFFFF
			}
			u[k][n] = uint32(v)
		}
	}
	return u
}()

// pvqUAt returns U(n, k).
func pvqUAt(n, k int) uint32 {
	return pvqU[min(n, k)][max(n, k)]
}

// pvqV returns V(n, k), the number of codewords of n dimensions with k
// pulses.
func pvqV(n, k int) uint32 { return pvqUAt(n, k) + pvqUAt(n, k+1) }

// cwrsi decodes codeword i of n dimensions and k pulses into y and returns
// the squared norm of y.
func cwrsi(n, k int, i uint32, y []int) float32 {
	var yy float32
	j := 0
	for n > 2 {
		var p uint32
		if k >= n {
			// Many pulses.
			row := &pvqU[n]
			p = row[k+1]
			s := 0
			if i >= p {
				s = -1
				i -= p
			}
			k0 := k
			q := row[n]
			if q > i {
				k = n
				for {
					k--
					p = pvqU[k][n]
					if p <= i {
						break
					}
				}
			} else {
				for p = row[k]; p > i; p = row[k] {
					k--
				}
			}
			i -= p
			val := (k0 - k + s) ^ s
			y[j] = val
			yy += float32(val * val)
		} else {
			// Many dimensions.
			p = pvqU[k][n]
			q := pvqU[k+1][n]
			if p <= i && i < q {
				i -= p
				y[j] = 0
			} else {
				s := 0
				if i >= q {
					s = -1
					i -= q
				}
				k0 := k
				for {
					k--
					p = pvqU[k][n]
					if p <= i {
						break
					}
				}
				i -= p
				val := (k0 - k + s) ^ s
				y[j] = val
				yy += float32(val * val)
			}
		}
		j++
		n--
	}
	// n == 2
	p := uint32(2*k + 1)
	s := 0
	if i >= p {
		s = -1
		i -= p
	}
	k0 := k
	k = int((i + 1) >> 1)
	if k != 0 {
		i -= uint32(2*k - 1)
	}
	val := (k0 - k + s) ^ s
	y[j] = val
	yy += float32(val * val)
	// n == 1
	s = -int(i)
	val = (k + s) ^ s
	y[j+1] = val
	yy += float32(val * val)
	return yy
}

// decodePulses reads a PVQ codeword of n dimensions and k pulses into y
// and returns its squared norm.
func decodePulses(y []int, n, k int, rd *rangecoding.Decoder) float32 {
	return cwrsi(n, k, rd.Uint(pvqV(n, k)), y)
}
