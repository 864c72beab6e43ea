package ggml_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// openBytes writes data to a regular file and opens it.
func openBytes(t *testing.T, data []byte) (*ggml.File, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return ggml.Open(path)
}

// corpus is every committed FuzzRead seed, the fuzz seeds and a valid file
// cut at every length.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	inputs := fuzzSeeds(t)
	valid := inputs["valid"]
	for n := range len(valid) {
		inputs[fmt.Sprintf("valid[:%d]", n)] = valid[:n]
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1\n[]byte("…")\n
		s := strings.TrimSpace(strings.TrimPrefix(string(b), "go test fuzz v1\n"))
		s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
		q, err := strconv.Unquote(s)
		if err != nil {
			t.Fatalf("seed %s: %v", e.Name(), err)
		}
		inputs["seed "+e.Name()] = []byte(q)
	}
	return inputs
}

// Open (a mapped file where the platform maps) accepts and refuses exactly
// what Read does, with the same messages, and what it accepts is equal.
func TestOpenMatchesRead(t *testing.T) {
	for name, data := range corpus(t) {
		want, werr := ggml.Read(bytes.NewReader(data))
		got, gerr := openBytes(t, data)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("%s: Open: %v; Read: %v", name, gerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		if !bytes.Equal(fileBytes(t, got), fileBytes(t, want)) {
			t.Errorf("%s: Open and Read give different files", name)
		}
	}
}

// bigFile is testFile with a 16 MiB F16 tensor at an odd offset.
func bigFile(t *testing.T) (*ggml.File, []byte) {
	t.Helper()
	f := testFile(t)
	x := make([]float32, 8<<20)
	for i := range x {
		x[i] = float32(i%1999) / 1999
	}
	big, err := ggml.NewTensor("big.odd", ggml.F16, []int{1 << 10, 8 << 10}, x)
	if err != nil {
		t.Fatal(err)
	}
	f.Tensors = append(f.Tensors, big)
	return f, fileBytes(t, f)
}

// Open of a regular file maps it: the 16 MiB tensor costs no allocation,
// and every tensor and token is capped so that appending copies.
func TestOpenMaps(t *testing.T) {
	if !mapsFiles {
		t.Skip("this platform reads files instead of mapping them")
	}
	want, data := bigFile(t)
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var f *ggml.File
	var err error
	n := allocated(func() { f, err = ggml.Open(path) })
	if err != nil {
		t.Fatal(err)
	}
	if !f.Mapped() {
		t.Fatal("Mapped() = false for a regular file")
	}
	t.Logf("Open of %d MiB allocated %d KiB", len(data)>>20, n>>10)
	if n > 1<<20 {
		t.Errorf("Open of a %d MiB file allocated %d KiB, want < 1 MiB (the data mapped, not copied)", len(data)>>20, n>>10)
	}
	for i, tt := range f.Tensors {
		if !bytes.Equal(tt.Data, want.Tensors[i].Data) {
			t.Errorf("tensor %s differs", tt.Name)
		}
		if cap(tt.Data) != len(tt.Data) {
			t.Errorf("tensor %s: cap %d > len %d: append would write into the mapping", tt.Name, cap(tt.Data), len(tt.Data))
		}
	}
	for i, tok := range f.Vocab {
		if cap(tok) != len(tok) || !bytes.Equal(tok, want.Vocab[i]) {
			t.Errorf("token %d: %q (cap %d), want %q", i, tok, cap(tok), want.Vocab[i])
		}
	}
	// The file may be removed while mapped (its pages stay).
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	big, _ := f.Tensor("big.odd")
	got, err := big.Float32()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := want.Tensor("big.odd")
	if v, _ := w.Float32(); !slices.Equal(got, v) {
		t.Error("the big tensor's values differ after removing the file")
	}
}

// A FIFO cannot be mapped: Open reads it, and gets the same file.
func TestOpenFIFOReads(t *testing.T) {
	want, data := bigFile(t)
	fifo := filepath.Join(t.TempDir(), "model.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			done <- err
			return
		}
		_, err = w.Write(data)
		done <- errors.Join(err, w.Close())
	}()
	f, err := ggml.Open(fifo)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if f.Mapped() {
		t.Error("Mapped() = true for a FIFO")
	}
	if !bytes.Equal(fileBytes(t, f), fileBytes(t, want)) {
		t.Error("the file read from a FIFO differs")
	}
}

// An empty regular file (nothing to map) is truncated, as Read says.
func TestOpenEmpty(t *testing.T) {
	_, err := openBytes(t, nil)
	if !errors.Is(err, ggml.ErrTruncated) {
		t.Errorf("Open of an empty file: %v, want ErrTruncated", err)
	}
}

// Files assembled by hand or read from a reader are not mapped.
func TestReadNotMapped(t *testing.T) {
	f, err := ggml.Read(bytes.NewReader(fileBytes(t, testFile(t))))
	if err != nil {
		t.Fatal(err)
	}
	if f.Mapped() || testFile(t).Mapped() {
		t.Error("Mapped() = true without Open")
	}
}
