package align

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// A hand-checked 3×4 matrix. Costs (row-major):
//
//	1 9 9 9
//	9 1 1 9
//	9 9 9 1
//
// The cheapest monotone path is (0,0) (1,1) (1,2) (2,3) with cost 4; every
// alternative crosses a 9.
func TestDTWHandChecked(t *testing.T) {
	x := []float32{
		1, 9, 9, 9,
		9, 1, 1, 9,
		9, 9, 9, 1,
	}
	rows, cols, err := DTW(x, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, []int{0, 1, 1, 2}) || !reflect.DeepEqual(cols, []int{0, 1, 2, 3}) {
		t.Fatalf("path rows %v cols %v", rows, cols)
	}
}

// Ties: whisper.cpp and OpenAI take the diagonal or the up step only when
// strictly cheaper than both others, else "left"; on an all-zero matrix the
// path therefore climbs column 0 first and runs along the last row.
func TestDTWTies(t *testing.T) {
	rows, cols, err := DTW(make([]float32, 2*3), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	// cost(1,1)=0 via diag (c1=c2=inf); (1,2),(1,3): left; (2,1): up (c1=0 <
	// c0=c2=inf); (2,2): c0=0,c1=0,c2=0 → left; (2,3) → left.
	// Backtrace from (2,3): left, left to (2,1), up to (1,1), diag to (0,0).
	if !reflect.DeepEqual(rows, []int{0, 1, 1, 1}) || !reflect.DeepEqual(cols, []int{0, 0, 1, 2}) {
		t.Fatalf("path rows %v cols %v", rows, cols)
	}
}

// OpenAI's tests/test_timing.py test_dtw: plant a random monotone path of
// -1 offsets in uniform noise and expect DTW to find it exactly.
func TestDTWPlantedPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{10, 20}, {32, 16}, {123, 1500}, {234, 189}} {
		n, m := sz[0], sz[1]
		steps := make([]int, 0, n+m-2)
		for range n - 1 {
			steps = append(steps, 0)
		}
		for range m - 1 {
			steps = append(steps, 1)
		}
		r.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
		x := make([]float32, n*m)
		for i := range x {
			x[i] = r.Float32()
		}
		var wantR, wantC []int
		i, j, k := 0, 0, 0
		for {
			x[i*m+j]--
			wantR, wantC = append(wantR, i), append(wantC, j)
			if k == len(steps) {
				break
			}
			if k+1 < len(steps) && steps[k] != steps[k+1] {
				i, j, k = i+1, j+1, k+2
				continue
			}
			if steps[k] == 0 {
				i++
			} else {
				j++
			}
			k++
		}
		rows, cols, err := DTW(x, n, m)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rows, wantR) || !reflect.DeepEqual(cols, wantC) {
			t.Fatalf("%d×%d: planted path not found", n, m)
		}
	}
}

// The path's cost is the minimum over all monotone paths (checked with an
// independent float64 recursion on small random matrices).
func TestDTWIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n, m := 1+r.IntN(6), 1+r.IntN(7)
		x := make([]float32, n*m)
		for i := range x {
			x[i] = float32(r.IntN(1000)) / 8 // exact in float32: no rounding ties
		}
		rows, cols, err := DTW(x, n, m)
		if err != nil {
			t.Fatal(err)
		}
		var got float64
		for k := range rows {
			if k > 0 {
				di, dj := rows[k]-rows[k-1], cols[k]-cols[k-1]
				if di < 0 || dj < 0 || di > 1 || dj > 1 || di+dj == 0 {
					t.Fatalf("illegal step %d,%d", di, dj)
				}
			}
			got += float64(x[rows[k]*m+cols[k]])
		}
		if rows[0] != 0 || cols[0] != 0 || rows[len(rows)-1] != n-1 || cols[len(cols)-1] != m-1 {
			t.Fatalf("path %v %v does not span the matrix", rows, cols)
		}
		if want := minPath(x, n, m); got != want {
			t.Fatalf("%d×%d: path cost %v, minimum %v", n, m, got, want)
		}
	}
}

func minPath(x []float32, n, m int) float64 {
	memo := map[[2]int]float64{}
	var f func(i, j int) float64
	f = func(i, j int) float64 {
		if i == 0 && j == 0 {
			return float64(x[0])
		}
		if v, ok := memo[[2]int{i, j}]; ok {
			return v
		}
		best := 1e300
		if i > 0 {
			best = min(best, f(i-1, j))
		}
		if j > 0 {
			best = min(best, f(i, j-1))
		}
		if i > 0 && j > 0 {
			best = min(best, f(i-1, j-1))
		}
		v := best + float64(x[i*m+j])
		memo[[2]int{i, j}] = v
		return v
	}
	return f(n-1, m-1)
}

func TestDTWBounds(t *testing.T) {
	for _, c := range []struct{ n, m, l int }{{0, 1, 0}, {1, 0, 0}, {2, 2, 3}, {MaxTokens + 1, 1, MaxTokens + 1}, {1, MaxFrames + 1, MaxFrames + 1}} {
		if _, _, err := DTW(make([]float32, c.l), c.n, c.m); !errors.Is(err, ErrShape) {
			t.Errorf("DTW %d×%d over %d: err %v", c.n, c.m, c.l, err)
		}
	}
}
