package audiotest_test

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// stereo decodes to stereo blocks of the given lengths at 8 kHz, then
// returns err (io.EOF when nil).
type stereo struct {
	lengths []int
	err     error
}

func (d *stereo) Info() pcm.Info { return pcm.Info{SampleRate: 8000, Layout: pcm.LayoutStereo} }

func (d *stereo) Next() ([][]float32, error) {
	if len(d.lengths) == 0 {
		return nil, cmp.Or(d.err, io.EOF)
	}
	n := d.lengths[0]
	d.lengths = d.lengths[1:]
	return [][]float32{make([]float32, n), make([]float32, n)}, nil
}

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatal(args ...any) { r.failures = append(r.failures, fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Errorf(format string, args ...any) { r.Fatalf(format, args...) }

func (r *recorder) Logf(string, ...any) {}

func TestCount(t *testing.T) {
	n, err := audiotest.Count(&stereo{lengths: []int{10, 0, 32}})
	if n != 42 || err != nil {
		t.Errorf("Count: %d, %v; want 42, nil", n, err)
	}
	bad := fmt.Errorf("frame 3: %w", pcm.ErrMalformed)
	n, err = audiotest.Count(&stereo{lengths: []int{5, 7}, err: bad})
	if n != 12 || err != bad {
		t.Errorf("Count of a broken stream: %d, %v; want 12, %v", n, err, bad)
	}
	wrapped := fmt.Errorf("end: %w", io.EOF)
	if n, err := audiotest.Count(&stereo{lengths: []int{3}, err: wrapped}); n != 3 || err != nil {
		t.Errorf("Count ending with a wrapped io.EOF: %d, %v; want 3, nil", n, err)
	}
}

func TestDrain(t *testing.T) {
	d := &stereo{lengths: []int{2, 3}}
	got, err := audiotest.Drain(d)
	if err != nil || len(got) != 2 || len(got[0]) != 5 || len(got[1]) != 5 {
		t.Errorf("Drain: %d channels, %v", len(got), err)
	}
	bad := fmt.Errorf("x: %w", pcm.ErrMalformed)
	if got, err := audiotest.Drain(&stereo{lengths: []int{4}, err: bad}); err != bad || len(got[0]) != 4 {
		t.Errorf("Drain of a broken stream: %v, want %v after 4 frames", err, bad)
	}
}

func TestAllocated(t *testing.T) {
	var keep []byte
	if n := audiotest.Allocated(func() { keep = make([]byte, 1<<20) }); n < 1<<20 {
		t.Errorf("allocating 1 MiB: Allocated says %d bytes", n)
	}
	runtime.KeepAlive(keep)
}

func TestCheckSNR(t *testing.T) {
	ref := &audiotest.Ref{Channels: 2, Bits: 16, Samples: []int32{16384, -16384, 8192, 0, -8192, 100}}
	exact := [][]float32{{0.5, 0.25, -0.25}, {-0.5, 0, 100.0 / 32768}}
	r := &recorder{TB: t}
	if snr := audiotest.CheckSNR(r, ref, exact, 90); !math.IsInf(snr, 1) || len(r.failures) != 0 {
		t.Errorf("identical samples: SNR %v, failures %q", snr, r.failures)
	}
	off := [][]float32{{0.5, 0.25, -0.25}, {-0.5, 0.01, 100.0 / 32768}}
	if snr := audiotest.CheckSNR(r, ref, off, 90); snr > 40 || len(r.failures) != 1 {
		t.Errorf("a channel off: SNR %v, failures %q", snr, r.failures)
	}
	r = &recorder{TB: t}
	if audiotest.CheckSNR(r, ref, exact[:1], 90); len(r.failures) != 1 {
		t.Errorf("a channel missing: failures %q", r.failures)
	}
}

func TestAccepted(t *testing.T) {
	for _, c := range []struct {
		err            error
		accepted, fail bool
	}{
		{nil, true, false},
		{fmt.Errorf("bad: %w", pcm.ErrMalformed), false, false},
		{fmt.Errorf("odd: %w", pcm.ErrUnsupported), false, false},
		{errors.New("other"), false, true},
	} {
		r := &recorder{TB: t}
		if got := audiotest.Accepted(r, c.err); got != c.accepted || (len(r.failures) > 0) != c.fail {
			t.Errorf("Accepted(%v): %v, failures %q; want %v, failing %v", c.err, got, r.failures, c.accepted, c.fail)
		}
	}
}

func TestFuzzNext(t *testing.T) {
	r := &recorder{TB: t}
	d := &stereo{lengths: []int{4}, err: fmt.Errorf("x: %w", pcm.ErrMalformed)}
	if b, ok := audiotest.FuzzNext(r, d, pcm.ErrMalformed); !ok || len(b) != 2 || len(b[0]) != 4 {
		t.Errorf("first block: %v, %v", b, ok)
	}
	if _, ok := audiotest.FuzzNext(r, d, pcm.ErrMalformed); ok || len(r.failures) != 0 {
		t.Errorf("allowed error: ok %v, failures %q", ok, r.failures)
	}
	if _, ok := audiotest.FuzzNext(r, &stereo{}, pcm.ErrMalformed); ok || len(r.failures) != 0 {
		t.Errorf("io.EOF: ok %v, failures %q", ok, r.failures)
	}
	d = &stereo{err: fmt.Errorf("x: %w", pcm.ErrUnsupported)}
	if _, ok := audiotest.FuzzNext(r, d, pcm.ErrMalformed); ok || len(r.failures) != 1 {
		t.Errorf("error not allowed: ok %v, failures %q", ok, r.failures)
	}
}

func TestCheckBlock(t *testing.T) {
	for _, c := range []struct {
		name string
		b    [][]float32
		fail bool
	}{
		{"good", [][]float32{make([]float32, 4), make([]float32, 4)}, false},
		{"empty", [][]float32{{}, {}}, false},
		{"too few channels", [][]float32{make([]float32, 4)}, true},
		{"ragged", [][]float32{make([]float32, 4), make([]float32, 3)}, true},
		{"too long", [][]float32{make([]float32, 5), make([]float32, 5)}, true},
	} {
		r := &recorder{TB: t}
		audiotest.CheckBlock(r, c.b, 2, 4)
		if (len(r.failures) > 0) != c.fail {
			t.Errorf("%s: failures %q", c.name, r.failures)
		}
	}
}
