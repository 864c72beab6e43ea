package align

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Hand-checked width 3 and 5 with reflect padding:
// x = 5 1 4 2 3 → padded (w=3) 1|5 1 4 2 3|2 → medians 1 4 2 3 2;
// padded (w=5) 4 1|5 1 4 2 3|2 4 → medians 4 2 3 2 3.
func TestMedianFilterHandChecked(t *testing.T) {
	x := []float32{5, 1, 4, 2, 3}
	for _, c := range []struct {
		w    int
		want []float32
	}{{1, x}, {3, []float32{1, 4, 2, 3, 2}}, {5, []float32{4, 2, 3, 2, 3}}} {
		got, err := MedianFilter(x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("width %d: %v, want %v", c.w, got, c.want)
		}
	}
}

// OpenAI's median_filter returns its input when it has no more samples than
// the pad (reflect padding would be impossible).
func TestMedianFilterShortInput(t *testing.T) {
	x := []float32{3, 1, 2}
	got, _ := MedianFilter(x, 7)
	if !slices.Equal(got, x) {
		t.Fatalf("got %v, want the input", got)
	}
	// 4 samples, pad 3: reflection reaches index 3 = n-1, still defined.
	got, _ = MedianFilter([]float32{4, 1, 3, 2}, 7)
	// padded: 2 3 1 | 4 1 3 2 | 3 1 4
	want := []float32{2, 3, 2, 3}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Against the scipy-like reference of OpenAI's test_median_filter: np.pad
// reflect, then the median of each window.
func TestMedianFilterMatchesPaddedReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{10, 15, 345, 512} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for _, w := range []int{3, 5, 7, 13} {
			p := w / 2
			padded := make([]float32, 0, n+2*p)
			for k := p; k > 0; k-- {
				padded = append(padded, x[k])
			}
			padded = append(padded, x...)
			for k := 1; k <= p; k++ {
				padded = append(padded, x[n-1-k])
			}
			got, err := MedianFilter(x, w)
			if err != nil {
				t.Fatal(err)
			}
			for k := range n {
				win := slices.Clone(padded[k : k+w])
				slices.Sort(win)
				if got[k] != win[p] {
					t.Fatalf("n=%d w=%d k=%d: %v, want %v", n, w, k, got[k], win[p])
				}
			}
		}
	}
}

func TestMedianFilterRejectsEvenWidth(t *testing.T) {
	for _, w := range []int{0, 2, -3} {
		if _, err := MedianFilter([]float32{1, 2, 3}, w); err == nil {
			t.Errorf("width %d accepted", w)
		}
	}
}
