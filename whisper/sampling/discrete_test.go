package sampling_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/sampling"
)

// stdrandom reads testdata/stdrandom.txt (libstdc++'s outputs, see
// testdata/README.md) as lines of fields keyed by their first word.
func stdrandom(t *testing.T) map[string][][]uint64 {
	t.Helper()
	f, err := os.Open("testdata/stdrandom.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]uint64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		var row []uint64
		for _, s := range fs[1:] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		out[fs[0]] = append(out[fs[0]], row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMT19937MatchesLibstdcxx(t *testing.T) {
	rows := stdrandom(t)["mt"]
	if len(rows) != 3 {
		t.Fatalf("%d mt rows, want 3", len(rows))
	}
	for _, r := range rows {
		g := sampling.NewMT19937(uint32(r[0]))
		var v [700]uint32
		for i := range v {
			v[i] = g.Uint32()
		}
		got := []uint64{uint64(v[0]), uint64(v[1]), uint64(v[2]), uint64(v[699])}
		for i, w := range r[1:] {
			if got[i] != w {
				t.Errorf("seed %d: output %d = %d, want %d", r[0], i, got[i], w)
			}
		}
	}
	// The C++ standard's own check: the 10000th output of a
	// default-constructed std::mt19937 (seed 5489).
	g := sampling.NewMT19937(5489)
	var x uint32
	for range 10000 {
		x = g.Uint32()
	}
	if x != 4123659995 {
		t.Errorf("10000th output of seed 5489 = %d, want 4123659995", x)
	}
}

func TestDiscreteMatchesLibstdcxx(t *testing.T) {
	rows := stdrandom(t)["draws"]
	if len(rows) != 2 {
		t.Fatalf("%d draws rows, want 2", len(rows))
	}
	w := make([]float32, 1000)
	for i := range w {
		x := float32((i * 7919) % 1009)
		if i%7 != 3 {
			w[i] = x * x * x / 1073741824
		}
	}
	w[17], w[999] = 0.5, 0
	var d sampling.Discrete
	d.Reset(w)
	for _, r := range rows {
		g := sampling.NewMT19937(uint32(r[0]))
		for i, want := range r[1:] {
			got := d.Draw(g)
			if uint64(got) != want {
				t.Fatalf("seed %d: draw %d = %d, want %d", r[0], i, got, want)
			}
			if w[got] == 0 {
				t.Fatalf("seed %d: draw %d picked weight 0 at %d", r[0], i, got)
			}
		}
	}
}

func TestDiscreteAllocatesNothingOnceGrown(t *testing.T) {
	w := make([]float32, 51864)
	for i := range w {
		w[i] = float32(i%13) + 1
	}
	var d sampling.Discrete
	g := sampling.NewMT19937(1)
	d.Reset(w)
	if n := testing.AllocsPerRun(10, func() { d.Reset(w); d.Draw(g) }); n != 0 {
		t.Errorf("%v allocations per Reset+Draw, want 0", n)
	}
}
