package ggml_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzRead from fuzzSeeds")

// fuzzSeeds are the seed corpus of FuzzRead: a small valid file with a
// tensor of every type and rank, cuts of it inside every section, and the
// crafted files of issue 8, item 17. Each is well under 100 KB.
func fuzzSeeds(t *testing.T) map[string][]byte {
	valid := fileBytes(t, testFile(t))
	seeds := map[string][]byte{"valid": valid}
	for _, cut := range []int{3, 20, 50, 70, 100, 150, len(valid) - 1} {
		seeds[fmt.Sprintf("cut-%d", cut)] = valid[:cut]
	}
	for name, data := range craftedFiles(t) {
		seeds["crafted-"+name] = data
	}
	seeds["bad-hparams"] = header(1<<31-1, 80, 201)
	gguf := slices.Clone(valid)
	copy(gguf, "GGUF")
	seeds["gguf"] = gguf
	return seeds
}

// TestWriteFuzzSeeds writes the seed corpus when run with -write-seeds:
//
//	go test ./ggml -run TestWriteFuzzSeeds -write-seeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite testdata/fuzz/FuzzRead")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds(t) {
		file := filepath.Join(dir, seedName(name))
		if err := os.WriteFile(file, []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(data))+")\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// seedName turns a seed's name into a file name.
func seedName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// FuzzRead feeds the ggml reader arbitrary bytes (issue 8, item 18). The
// seed corpus in testdata/fuzz/FuzzRead runs with every `go test`; `make
// fuzz` runs a campaign. The reader must not panic, must fail only with its
// sentinel errors, must agree with itself whether or not it knows the input's
// size (a file or a pipe), the parse of a mapped file (Open) must accept and
// refuse exactly what it does with the same message, and what they accept
// must write back to the same bytes.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ggml.Read(bytes.NewReader(data))
		piped, perr := ggml.Read(onlyReader{bytes.NewReader(data)})
		if (err == nil) != (perr == nil) {
			t.Fatalf("sized read: %v; piped read: %v", err, perr)
		}
		mapped, merr := ggml.ParseMapped(data)
		if (err == nil) != (merr == nil) || err != nil && err.Error() != merr.Error() {
			t.Fatalf("sized read: %v; mapped parse: %v", err, merr)
		}
		if err != nil {
			for _, e := range []error{err, perr} {
				if !errors.Is(e, ggml.ErrBadMagic) && !errors.Is(e, ggml.ErrTruncated) &&
					!errors.Is(e, ggml.ErrCorrupt) && !errors.Is(e, ggml.ErrUnsupportedType) {
					t.Fatalf("error wraps no sentinel: %v", e)
				}
			}
			return
		}
		var out bytes.Buffer
		if err := ggml.Write(&out, file); err != nil {
			t.Fatalf("Read accepted a file Write refuses: %v", err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("read and written back: %d bytes differ from the %d read", out.Len(), len(data))
		}
		var pout bytes.Buffer
		if err := ggml.Write(&pout, piped); err != nil || !bytes.Equal(pout.Bytes(), data) {
			t.Fatalf("piped read differs from the input (write: %v)", err)
		}
		var mout bytes.Buffer
		if err := ggml.Write(&mout, mapped); err != nil || !bytes.Equal(mout.Bytes(), data) {
			t.Fatalf("mapped parse differs from the input (write: %v)", err)
		}
	})
}
