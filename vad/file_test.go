package vad_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/vad"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzParse")

// le builds little-endian int32 fields.
func le(v ...int) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(x)))
	}
	return b
}

// tinyFile is a small well-formed file: Silero's header and two tensors.
func tinyFile() []byte {
	b := le(int(ggml.Magic), 10)
	b = append(b, "silero-16k"...)
	b = append(b, le(6, 2, 0, 512, 64, 4, 129, 128, 3, 128, 64, 3, 64, 64, 3, 64, 128, 3, 128, 128, 128, 1)...)
	name := "_model.decoder.decoder.2.bias"
	b = append(b, le(0, len(name), 0)...)
	b = append(b, name...)
	b = append(b, le(0)...)
	name = "_model.encoder.1.reparam_conv.bias"
	b = append(b, le(1, len(name), 1, 4)...)
	b = append(b, name...)
	return append(b, make([]byte, 8)...)
}

// TestParse checks the tiny file and that each cut or corruption is an
// error of the right kind.
func TestParse(t *testing.T) {
	f, err := vad.Parse(tinyFile())
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "silero-16k" || f.Version != [3]int{6, 2, 0} || f.Window != 512 || len(f.Encoder) != 4 || len(f.Tensors) != 2 {
		t.Fatalf("parsed %+v", f)
	}
	if _, err := vad.NewModel(f); !errors.Is(err, vad.ErrCorrupt) {
		t.Errorf("NewModel of a file without most tensors: %v, want ErrCorrupt", err)
	}
	good := tinyFile()
	// Cuts at the end of the header or of the first tensor are
	// well-formed files (NewModel refuses them).
	for cut := range len(good) {
		if cut == 106 || cut == 151 {
			continue
		}
		if _, err := vad.Parse(good[:cut]); !errors.Is(err, vad.ErrTruncated) && !errors.Is(err, vad.ErrBadMagic) {
			t.Fatalf("cut at %d: %v, want ErrTruncated", cut, err)
		}
	}
	for _, c := range []struct {
		name string
		off  int
		val  int
		want error
	}{
		{"magic", 0, 1, vad.ErrBadMagic},
		{"type length", 4, -1, vad.ErrCorrupt},
		{"layers", 38, 1000, vad.ErrCorrupt},
		{"channels", 42, 0, vad.ErrCorrupt},
		{"n_dims", 106, 5, vad.ErrCorrupt},
		{"name length", 110, 1 << 20, vad.ErrCorrupt},
		{"tensor type", 114, 2, vad.ErrCorrupt},
	} {
		b := tinyFile()
		binary.LittleEndian.PutUint32(b[c.off:], uint32(int32(c.val)))
		if _, err := vad.Parse(b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestLoadErrors: the real model with one thing changed is refused.
func TestLoadErrors(t *testing.T) {
	path := vadFixture(t, modelFixture)
	f, err := vad.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := vad.NewModel(f); err != nil || m.Type != "silero-16k" || m.Version != [3]int{6, 2, 0} {
		t.Fatalf("NewModel: %v, %v", m, err)
	}
	for _, c := range []struct {
		name   string
		change func(*vad.File)
		want   error
	}{
		{"window", func(f *vad.File) { f.Window = 256 }, vad.ErrUnsupported},
		{"layers", func(f *vad.File) { f.Encoder = f.Encoder[:3] }, vad.ErrUnsupported},
		{"lstm", func(f *vad.File) { f.LSTMHidden = 64 }, vad.ErrUnsupported},
		{"missing", func(f *vad.File) { f.Tensors = f.Tensors[1:] }, vad.ErrCorrupt},
		{"unknown", func(f *vad.File) { f.Tensors[0].Name = "x" }, vad.ErrCorrupt},
		{"type", func(f *vad.File) { f.Tensors[1].Type = ggml.F16 }, vad.ErrCorrupt},
		{"shape", func(f *vad.File) { f.Tensors[1].Shape = []int{64, 2} }, vad.ErrCorrupt},
	} {
		f, err := vad.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c.change(f)
		if _, err := vad.NewModel(f); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := vad.Load(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// fuzzSeeds are FuzzParse's seed corpus: the tiny file, cuts of it, and
// corruptions of its counts.
func fuzzSeeds() map[string][]byte {
	good := tinyFile()
	s := map[string][]byte{"tiny": good}
	for _, cut := range []int{3, 10, 30, 60, 100, 120, len(good) - 1} {
		s[fmt.Sprintf("cut-%d", cut)] = good[:cut]
	}
	for _, c := range []struct{ off, val int }{{4, 1 << 30}, {38, 1 << 20}, {106, 0}, {110, 1 << 30}, {150, 1 << 30}} {
		b := append([]byte(nil), good...)
		binary.LittleEndian.PutUint32(b[c.off:], uint32(int32(c.val)))
		s[fmt.Sprintf("set-%d-%d", c.off, c.val)] = b
	}
	return s
}

// TestWriteFuzzSeeds writes the seed corpus when run with -write-seeds:
//
//	go test ./vad -run TestWriteFuzzSeeds -write-seeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite testdata/fuzz/FuzzParse")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(data))+")\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParse: Parse and NewModel never panic, and what Parse accepts has
// every tensor's data within the input.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := vad.Parse(data)
		if err != nil {
			return
		}
		for _, tn := range file.Tensors {
			if len(tn.Data) != tn.Bytes() {
				t.Fatalf("tensor %q: %d bytes of data, want %d", tn.Name, len(tn.Data), tn.Bytes())
			}
		}
		vad.NewModel(file)
	})
}
