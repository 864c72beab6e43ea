package pcm

import (
	"errors"
	"io"
	"math"
	"testing"
)

// blocks is an in-memory Decoder of fixed blocks, for testing Mono.
type blocks struct {
	info Info
	b    [][][]float32
	err  error // returned after the blocks instead of io.EOF
}

func (d *blocks) Info() Info { return d.info }

func (d *blocks) Next() ([][]float32, error) {
	if len(d.b) == 0 {
		if d.err != nil {
			return nil, d.err
		}
		return nil, io.EOF
	}
	b := d.b[0]
	d.b = d.b[1:]
	return b, nil
}

func TestMonoMixesAcrossBlocks(t *testing.T) {
	dec := &blocks{info: Info{Codec: "test", SampleRate: 8000, Layout: LayoutStereo, Frames: -1},
		b: [][][]float32{
			{{1, 0.5, 0}, {-1, 0.5, 1}},
			{{}, {}}, // empty blocks are allowed
			{{0.25}, {0.75}},
		}}
	m := NewMono(dec)
	var got []float32
	buf := make([]float32, 2) // smaller than a block
	for {
		n, err := m.Read(buf)
		got = append(got, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []float32{0, 0.5, 0.5, 0.5}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestMonoClipsAndZeroesNaN(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	m := NewMono(&blocks{info: Info{Layout: LayoutStereo}, b: [][][]float32{{{0.9, -3, nan, inf, 0.5}, {0.9, -3, 0, 0, nan}}}})
	buf := make([]float32, 5)
	if n, err := m.Read(buf); n != 5 || err != nil {
		t.Fatal(n, err)
	}
	want := []float32{0.9, -1, 0, 1, 0}
	for i := range want {
		if buf[i] != want[i] {
			t.Fatalf("got %v, want %v", buf, want)
		}
	}
}

func TestMonoReturnsErrorAfterSamples(t *testing.T) {
	bad := errors.New("disk on fire")
	m := NewMono(&blocks{info: Info{Layout: LayoutMono}, b: [][][]float32{{{0.1, 0.2}}}, err: bad})
	buf := make([]float32, 8)
	if n, err := m.Read(buf); n != 2 || err != nil {
		t.Fatalf("first read: %d, %v; want the 2 samples first", n, err)
	}
	if _, err := m.Read(buf); !errors.Is(err, bad) {
		t.Fatalf("second read: %v, want the decoder's error", err)
	}
}

func TestMonoRejectsRaggedBlocks(t *testing.T) {
	for name, b := range map[string][][]float32{
		"channel count": {{1}},
		"lengths":       {{1, 2}, {1}},
	} {
		m := NewMono(&blocks{info: Info{Codec: "test", Layout: LayoutStereo}, b: [][][]float32{b}})
		if _, err := m.Read(make([]float32, 4)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}
