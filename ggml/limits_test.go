package ggml_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"go.uber.org/goleak"
)

// header is a file's magic and hparams (n_vocab 51864, n_audio_layer and
// n_text_layer layers, n_mels 80, F32), then the mel filter header.
func header(layers int32, nMel, nFFT int32) []byte {
	b := le32(nil, ggml.Magic)
	for _, v := range []int32{51864, 1500, 64, 2, layers, 448, 64, 2, layers, 80, 0} {
		b = le32(b, uint32(v))
	}
	b = le32(b, uint32(nMel))
	return le32(b, uint32(nFFT))
}

// craftedFiles are short files whose counts and shapes claim far more data
// than they hold (issue 8, item 17).
func craftedFiles(t *testing.T) map[string][]byte {
	t.Helper()
	f := testFile(t)
	f.Tensors = nil
	f.Vocab = nil
	head := fileBytes(t, f) // a valid header with no tokens and no tensors
	return map[string][]byte{
		// The 56 bytes: magic, hparams and a 1024×65536 filter header.
		"mel filters 1024×65536": header(4, ggml.MaxMel, ggml.MaxFFT),
		// A million tokens announced, none there.
		"vocabulary of 1,000,000": le32(slices.Clone(head[:len(head)-4]), ggml.MaxVocab),
		// A tensor record of 1 GiB of F32 with 8 bytes of data.
		"tensor of 1 GiB": record(slices.Clone(head), 2, 1, 0, []int32{1 << 14, 1 << 14}, "w", make([]byte, 8)),
		// A tensor of 64 MiB, the most the reader used to allocate at once
		// on a shape alone, with no data.
		"tensor of 64 MiB": record(slices.Clone(head), 1, 1, 0, []int32{1 << 24}, "w", nil),
	}
}

// allocated returns the bytes fn allocates (runtime.MemStats.TotalAlloc).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxPipeAlloc bounds what reading a crafted file may allocate: the 1 MiB
// read buffer, and at most 1 MiB more started on a count's or shape's word
// (ggml's growStart), with room for the test's own pipe and goroutine.
const maxPipeAlloc = 4 << 20

// Issue 8, item 17: short files whose header claims huge filters, a huge
// vocabulary or a huge tensor fail as truncated, and reading them through a
// pipe (size unknown) allocates a few MiB, not what the header claims (the
// 56-byte file allocated 257 MiB before).
func TestReadCraftedThroughPipe(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, data := range craftedFiles(t) {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() {
				pr, pw, perr := os.Pipe()
				if perr != nil {
					t.Fatal(perr)
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					pw.Write(data)
					pw.Close()
				}()
				_, err = ggml.Read(pr)
				pr.Close()
				<-done
			})
			if !errors.Is(err, ggml.ErrTruncated) {
				t.Errorf("Read: %v, want ErrTruncated", err)
			}
			t.Logf("%d bytes through a pipe: %v; allocated %d KiB", len(data), err, n>>10)
			if n > maxPipeAlloc {
				t.Errorf("reading %d bytes through a pipe allocated %d MiB, want ≤ %d MiB", len(data), n>>20, maxPipeAlloc>>20)
			}
		})
	}
}

// The same files through a named pipe, by path (Open cannot stat a size),
// and as regular files (the size is known: refused before allocating).
func TestOpenCraftedFIFO(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, data := range craftedFiles(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "model.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("no named pipes here: %v", err)
			}
			var err error
			n := allocated(func() {
				done := make(chan struct{})
				go func() {
					defer close(done)
					w, werr := os.OpenFile(fifo, os.O_WRONLY, 0)
					if werr != nil {
						return
					}
					w.Write(data)
					w.Close()
				}()
				_, err = ggml.Open(fifo)
				<-done
			})
			if !errors.Is(err, ggml.ErrTruncated) || n > maxPipeAlloc {
				t.Errorf("Open(fifo): %v, allocated %d KiB; want ErrTruncated within %d MiB", err, n>>10, maxPipeAlloc>>20)
			}

			file := filepath.Join(dir, "model.bin")
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			n = allocated(func() { _, err = ggml.Open(file) })
			if !errors.Is(err, ggml.ErrTruncated) || n > maxPipeAlloc {
				t.Errorf("Open(file): %v, allocated %d KiB; want ErrTruncated within %d MiB", err, n>>10, maxPipeAlloc>>20)
			}
		})
	}
}

// Issue 8, item 17: hyperparameters that are negative or absurd (2^31−1
// layers) are corrupt at once.
func TestReadBadHparams(t *testing.T) {
	for _, layers := range []int32{-1, 1<<31 - 1, ggml.MaxHparam + 1} {
		data := header(layers, 80, 201)
		_, err := ggml.Read(bytes.NewReader(data))
		if !errors.Is(err, ggml.ErrCorrupt) {
			t.Errorf("%d layers: %v, want ErrCorrupt", layers, err)
		}
	}
	// In range, a file reads even where Whisper would refuse it.
	f := testFile(t)
	f.Hparams.NAudioLayer = ggml.MaxHparam
	if _, err := ggml.Read(bytes.NewReader(fileBytes(t, f))); err != nil {
		t.Errorf("n_audio_layer %d: %v", ggml.MaxHparam, err)
	}
}

// A big tensor read through a pipe still arrives whole and equal.
func TestReadBigTensorThroughPipe(t *testing.T) {
	f := testFile(t)
	x := make([]float32, 3<<20/4*4+5) // 12 MiB + 20 bytes: several growth steps, uneven
	for i := range x {
		x[i] = float32(i % 977)
	}
	tt, err := ggml.NewTensor("big", ggml.F32, []int{len(x)}, x)
	if err != nil {
		t.Fatal(err)
	}
	f.Tensors = append(f.Tensors, tt)
	data := fileBytes(t, f)
	got, err := ggml.Read(onlyReader{bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	g, ok := got.Tensor("big")
	if !ok || !bytes.Equal(g.Data, tt.Data) {
		t.Fatalf("big tensor read through a pipe differs")
	}
	if _, err := ggml.Read(onlyReader{bytes.NewReader(data[:len(data)-1])}); !errors.Is(err, ggml.ErrTruncated) {
		t.Errorf("cut by one byte: %v, want ErrTruncated", err)
	}
}
