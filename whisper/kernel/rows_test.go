package kernel

import (
	"fmt"
	"math"
	"testing"
)

// rowsRef is LinearRows' contract computed one element at a time: dots'
// sum of a row of A with row j of W (widened), taken as dots takes row j
// of a block of 16 whose groups of eight start at multiples of 8 (dotsAVX2
// below n&^7, dot4 and dot above); for F16 weights (half) dotsWide's sum
// of the widened row, which does not depend on the other rows.
func rowsRef(a, wf []float32, bias []float32, m, n, k int, prev []float32, half bool) []float32 {
	c := make([]float32, m*n)
	n8 := n &^ 7
	var out [16]float32
	for i := range m {
		q := a[i*k : i*k+k]
		// Rows below n8 in groups of eight, the rest as one tail block.
		for j := 0; j < n; {
			nr := 8
			if j >= n8 {
				nr = n - j
			}
			if half {
				dotsWide(out[:nr], q, wf[j*k:j*k+nr*k], k)
			} else {
				dots(out[:nr], q, wf[j*k:], k)
			}
			for jj := range nr {
				v := out[jj]
				if bias != nil {
					v += bias[j+jj]
				}
				if prev != nil {
					v += prev[i*n+j+jj]
				}
				c[i*n+j+jj] = v
			}
			j += nr
		}
	}
	return c
}

// LinearRows gives every element the bits of its dots sum, for any number
// of rows and any split of the work, with F32 and F16 weights: so m rows
// stepped together give what each gives alone.
func TestLinearRows(t *testing.T) {
	shapes := [][3]int{
		{1, 1, 8}, {2, 7, 5}, {1, 100, 64}, {2, 51, 37}, {3, 513, 384}, {4, 384, 384},
		{5, 1536, 384}, {7, 47, 72}, {16, 40, 128}, {20, 384, 1536}, {17, 1003, 64}, {6, 16, 8},
	}
	paths(t, func(t *testing.T) {
		for i, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			h, wf := randHalf(uint64(i), n*k)
			r := newRand(uint64(100 + i))
			a := randSlice(r, m*k)
			bias := randSlice(r, n)
			prev := randSlice(r, m*n)
			for _, mode := range []struct{ bias, accum bool }{{false, false}, {true, false}, {true, true}} {
				var b []float32
				var p []float32
				if mode.bias {
					b = bias
				}
				if mode.accum {
					p = prev
				}
				for _, typ := range []string{"f32", "f16"} {
					w := F32Weights(wf)
					if typ == "f16" {
						w = F16Weights(h)
					}
					want := rowsRef(a, wf, b, m, n, k, p, typ == "f16")
					for _, nw := range []int{1, 2, 3, 7} {
						got := make([]float32, m*n)
						if mode.accum {
							copy(got, prev)
						}
						rowsDots(m, n, k, a, w, got, mode.accum, b, nw)
						if j := firstBitDiff(got, want); j >= 0 {
							t.Fatalf("%s %dx%dx%d bias=%v accum=%v nw=%d: element %d is %v, want %v", typ, m, n, k, mode.bias, mode.accum, nw, j, got[j], want[j])
						}
					}
					// The exported entry point, and each row alone.
					got := make([]float32, m*n)
					if mode.accum {
						copy(got, prev)
					}
					LinearRows(got, a, w, b, m, n, k, mode.accum)
					if j := firstBitDiff(got, want); j >= 0 {
						t.Fatalf("%s %dx%dx%d LinearRows: element %d is %v, want %v", typ, m, n, k, j, got[j], want[j])
					}
					for i := range m {
						row := make([]float32, n)
						if mode.accum {
							copy(row, prev[i*n:(i+1)*n])
						}
						LinearRows(row, a[i*k:(i+1)*k], w, b, 1, n, k, mode.accum)
						if j := firstBitDiff(row, want[i*n:(i+1)*n]); j >= 0 {
							t.Fatalf("%s %dx%dx%d row %d alone: element %d differs", typ, m, n, k, i, j)
						}
					}
				}
			}
		}
	})
}

func firstBitDiff(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// One LinearRows product of m rows with tiny's logits shape (F16), the
// widest product of a decoder step:
//
//	go test -run '^$' -bench 'LinearRows' ./whisper/kernel/
func BenchmarkLinearRows(b *testing.B) {
	const n, k = 51864, 384
	h, _ := randHalf(1, n*k)
	w := F16Weights(h)
	for _, m := range []int{1, 4, 8, 20} {
		a := randSlice(newRand(2), m*k)
		c := make([]float32, m*n)
		b.Run(fmt.Sprintf("m=%d", m), func(b *testing.B) {
			for b.Loop() {
				LinearRows(c, a, w, nil, m, n, k, false)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
		})
	}
}

// TestRowsDotsAllocatesOnlyItsLoop: a decoder step calls rowsDots tens of
// times, so its per-task scratch must stay on the stack (an indirect call
// through a table of kernels once moved it to the heap); the one allocation
// allowed is the loop body handed to parallelFor.
func TestRowsDotsAllocatesOnlyItsLoop(t *testing.T) {
	const n, k = 64, 128
	h, wf := randHalf(1, n*k)
	for _, w := range []Weights{F16Weights(h), F32Weights(wf)} {
		for _, m := range []int{1, 4, 8} {
			a := randSlice(newRand(2), m*k)
			c := make([]float32, m*n)
			if got := testing.AllocsPerRun(20, func() { rowsDots(m, n, k, a, w, c, false, nil, 1) }); got > 1 {
				t.Errorf("%v m=%d: %v allocations per call, want at most 1", w.typ, m, got)
			}
		}
	}
}
