package ggml_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file         string
		hparams      ggml.Hparams
		multilingual bool
		token50256   string
	}{
		{
			file:       whispertest.TinyENHeader,
			hparams:    ggml.Hparams{NVocab: 51864, NAudioCtx: 1500, NAudioState: 384, NAudioHead: 6, NAudioLayer: 4, NTextCtx: 448, NTextState: 384, NTextHead: 6, NTextLayer: 4, NMels: 80, FType: 1},
			token50256: "<|endoftext|>",
		},
		{
			file:         whispertest.BaseHeader,
			hparams:      ggml.Hparams{NVocab: 51865, NAudioCtx: 1500, NAudioState: 512, NAudioHead: 8, NAudioLayer: 6, NTextCtx: 448, NTextState: 512, NTextHead: 8, NTextLayer: 6, NMels: 80, FType: 1},
			multilingual: true,
			token50256:   "", // the multilingual vocabulary stores an empty token there
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := whispertest.Fixture(t, tc.file)
			f, err := ggml.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Hparams != tc.hparams {
				t.Errorf("hparams %+v, want %+v", f.Hparams, tc.hparams)
			}
			if wt, err := f.Hparams.WeightType(); err != nil || wt != ggml.F16 {
				t.Errorf("WeightType = %v, %v; want F16", wt, err)
			}
			if f.Multilingual() != tc.multilingual {
				t.Errorf("Multilingual = %v", f.Multilingual())
			}
			if f.Filters.NMel != 80 || f.Filters.NFFT != 201 || len(f.Filters.Data) != 80*201 {
				t.Errorf("filters %d×%d with %d values, want 80×201", f.Filters.NMel, f.Filters.NFFT, len(f.Filters.Data))
			}
			for m := range 80 {
				var sum float32
				for _, v := range f.Filters.Data[m*201 : (m+1)*201] {
					if v < 0 {
						t.Fatalf("filter %d has a negative weight %g", m, v)
					}
					sum += v
				}
				if sum <= 0 {
					t.Errorf("filter %d is empty", m)
				}
			}
			// 50,257 stored tokens: the text tokens and <|endoftext|>; the
			// other special tokens (sot, languages, timestamps…) are past count.
			if len(f.Vocab) != 50257 {
				t.Fatalf("vocabulary has %d tokens, want 50257", len(f.Vocab))
			}
			for id, want := range map[int]string{0: "!", 1: "\"", 2: "#", 50256: tc.token50256} {
				if string(f.Vocab[id]) != want {
					t.Errorf("token %d = %q, want %q", id, f.Vocab[id], want)
				}
			}
			if len(f.Tensors) != 0 || f.Size() != 0 {
				t.Errorf("%d tensors, %d bytes; the fixture has none", len(f.Tensors), f.Size())
			}
			if _, ok := f.Tensor("encoder.conv1.weight"); ok {
				t.Error("found a tensor in a file without any")
			}

			// Writing it back reproduces the file byte for byte.
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := ggml.Write(&buf, f); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), orig) {
				t.Errorf("Write(Open(%s)) differs from the file (%d vs %d bytes)", tc.file, buf.Len(), len(orig))
			}
		})
	}
}

// testFile is a small model file with a tensor of every type and of every
// number of dimensions.
func testFile(t *testing.T) *ggml.File {
	t.Helper()
	f := &ggml.File{
		Hparams: ggml.Hparams{NVocab: 5, NAudioCtx: 1, NAudioState: 2, NAudioHead: 3, NAudioLayer: 4, NTextCtx: 5, NTextState: 6, NTextHead: 7, NTextLayer: 8, NMels: 2, FType: 2007},
		Filters: ggml.MelFilters{NMel: 2, NFFT: 3, Data: []float32{0, 0.25, 0.5, 1, -2, 3e-8}},
		Vocab:   [][]byte{[]byte("a"), {}, []byte("\xff\x00bc"), []byte(" hello")},
	}
	shapes := map[ggml.Type][]int{
		ggml.F32:  {3},
		ggml.F16:  {5, 3},
		ggml.Q4_0: {32, 2, 2},
		ggml.Q4_1: {64, 1, 1, 2},
		ggml.Q5_0: {32, 3},
		ggml.Q5_1: {96},
		ggml.Q8_0: {64, 2},
	}
	for _, typ := range ggml.Types() {
		shape := shapes[typ]
		n := 1
		for _, d := range shape {
			n *= d
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = float32((i*7919)%101-50) / 64
		}
		tt, err := ggml.NewTensor("t."+typ.String(), typ, shape, x)
		if err != nil {
			t.Fatal(err)
		}
		f.Tensors = append(f.Tensors, tt)
	}
	return f
}

func fileBytes(t *testing.T, f *ggml.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ggml.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// onlyReader hides a reader's Len, so Read cannot know the input size.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestWriteReadRoundTrip(t *testing.T) {
	want := testFile(t)
	data := fileBytes(t, want)
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	readers := map[string]func() (*ggml.File, error){
		"Read(bytes.Reader)": func() (*ggml.File, error) { return ggml.Read(bytes.NewReader(data)) },
		"Read(unknown size)": func() (*ggml.File, error) { return ggml.Read(onlyReader{bytes.NewReader(data)}) },
		"Open":               func() (*ggml.File, error) { return ggml.Open(path) },
	}
	for name, read := range readers {
		t.Run(name, func(t *testing.T) {
			got, err := read()
			if err != nil {
				t.Fatal(err)
			}
			if got.Hparams != want.Hparams {
				t.Errorf("hparams %+v, want %+v", got.Hparams, want.Hparams)
			}
			if got.Filters.NMel != 2 || got.Filters.NFFT != 3 || !slices.Equal(got.Filters.Data, want.Filters.Data) {
				t.Errorf("filters %+v, want %+v", got.Filters, want.Filters)
			}
			if !slices.EqualFunc(got.Vocab, want.Vocab, bytes.Equal) {
				t.Errorf("vocab %q, want %q", got.Vocab, want.Vocab)
			}
			if len(got.Tensors) != len(want.Tensors) {
				t.Fatalf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
			}
			var size int64
			for i, w := range want.Tensors {
				g := got.Tensors[i]
				if g.Name != w.Name || g.Type != w.Type || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
					t.Errorf("tensor %d: %s %v %v (%d bytes), want %s %v %v (%d bytes)", i, g.Name, g.Type, g.Shape, len(g.Data), w.Name, w.Type, w.Shape, len(w.Data))
				}
				if byName, ok := got.Tensor(w.Name); !ok || byName != g {
					t.Errorf("Tensor(%q) = %v, %v", w.Name, byName, ok)
				}
				gv, err := g.Float32()
				if err != nil {
					t.Fatal(err)
				}
				wv, _ := w.Float32()
				if !slices.Equal(gv, wv) {
					t.Errorf("tensor %s values differ", w.Name)
				}
				if g.Dims() != len(w.Shape) || g.Elements() != len(wv) {
					t.Errorf("tensor %s: Dims %d Elements %d", w.Name, g.Dims(), g.Elements())
				}
				size += int64(len(w.Data))
			}
			if got.Size() != size {
				t.Errorf("Size = %d, want %d", got.Size(), size)
			}
			if !bytes.Equal(fileBytes(t, got), data) {
				t.Error("writing the file read back gives different bytes")
			}
		})
	}
}

// record appends a raw tensor record.
func record(b []byte, nDims, nameLen int32, typ uint32, ne []int32, name string, data []byte) []byte {
	b = le32(b, uint32(nDims))
	b = le32(b, uint32(nameLen))
	b = le32(b, typ)
	for _, n := range ne {
		b = le32(b, uint32(n))
	}
	b = append(b, name...)
	return append(b, data...)
}

func le32(b []byte, v uint32) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }

func TestReadBadFiles(t *testing.T) {
	// A valid file: header, 2×3 filters, 4 tokens, tensors "a" (F32 [2]) and "b" (Q8_0 [32]).
	f := testFile(t)
	f.Tensors = nil
	head := fileBytes(t, f) // magic 4, hparams 44, filters 8+24, vocab 4+4·4+11
	const (
		hparamsEnd = 4 + 44
		filtersEnd = hparamsEnd + 8 + 24
	)
	vocabEnd := len(head)
	a := record(nil, 1, 1, 0, []int32{2}, "a", make([]byte, 8))
	b := record(nil, 1, 1, 8, []int32{32}, "b", make([]byte, 34))
	good := slices.Concat(head, a, b)
	if _, err := ggml.Read(bytes.NewReader(good)); err != nil {
		t.Fatalf("the valid base file does not read: %v", err)
	}
	with := func(rec []byte) []byte { return slices.Concat(head, a, rec) }
	patch := func(off int, v uint32) []byte {
		c := slices.Clone(good)
		le32(c[:off], v)
		return c
	}

	tests := []struct {
		name string
		data []byte
		want error
		msg  []string // substrings of the message, whatever the input size knowledge
	}{
		{"empty file", nil, ggml.ErrTruncated, []string{"magic", "needs 4 bytes"}},
		{"wrong magic", slices.Concat([]byte("RIFF"), good[4:]), ggml.ErrBadMagic, []string{"0x46464952", `"RIFF"`, "not a whisper.cpp ggml model file"}},
		{"GGUF magic", slices.Concat([]byte("GGUF"), good[4:]), ggml.ErrBadMagic, []string{"GGUF file", "not a whisper.cpp ggml model file"}},
		{"truncated in hparams", good[:20], ggml.ErrTruncated, []string{"hparams needs 44 bytes at offset 4"}},
		{"truncated in filter header", good[:hparamsEnd+6], ggml.ErrTruncated, []string{"mel filter header"}},
		{"truncated in filters", good[:filtersEnd-3], ggml.ErrTruncated, []string{"mel filters (2×3 float32) needs 24 bytes"}},
		{"truncated vocabulary count", good[:filtersEnd+2], ggml.ErrTruncated, []string{"vocabulary count"}},
		{"truncated in vocabulary", good[:vocabEnd-2], ggml.ErrTruncated, []string{"vocabulary token 3 of 4 (6 bytes)"}},
		{"truncated tensor header", with(b[:7]), ggml.ErrTruncated, []string{`tensor #1 (after "a") header needs 12 bytes`}},
		{"truncated tensor shape", with(b[:14]), ggml.ErrTruncated, []string{`tensor #1 (after "a") shape`}},
		{"truncated tensor name", with(b[:16]), ggml.ErrTruncated, []string{`tensor #1 (after "a") name`}},
		{"truncated tensor data", with(b[:len(b)-1]), ggml.ErrTruncated, []string{`tensor #1 "b" data (Q8_0 [32]) needs 34 bytes`}},
		{"unknown ggml type", with(record(nil, 1, 1, 12, []int32{256}, "b", make([]byte, 144))), ggml.ErrUnsupportedType, []string{`tensor #1 "b" has ggml type 12`}},
		{"n_dims 9", with(record(nil, 9, 1, 0, nil, "b", nil)), ggml.ErrCorrupt, []string{"n_dims 9, want 1 to 4"}},
		{"n_dims 0", with(record(nil, 0, 1, 0, nil, "b", nil)), ggml.ErrCorrupt, []string{"n_dims 0"}},
		{"empty name", with(record(nil, 1, 0, 0, []int32{1}, "", nil)), ggml.ErrCorrupt, []string{"name length 0"}},
		{"name too long", with(record(nil, 1, 5000, 0, []int32{1}, "", nil)), ggml.ErrCorrupt, []string{"name length 5000"}},
		{"duplicate tensor", with(a), ggml.ErrCorrupt, []string{`tensor #1 "a": duplicate tensor name`}},
		{"zero dimension", with(record(nil, 2, 1, 0, []int32{4, 0}, "b", nil)), ggml.ErrCorrupt, []string{`"b": shape [4 0] has a dimension below 1`}},
		{"negative dimension", with(record(nil, 1, 1, 0, []int32{-3}, "b", nil)), ggml.ErrCorrupt, []string{"dimension below 1"}},
		{"overflowing shape", with(record(nil, 4, 1, 0, []int32{1 << 30, 1 << 30, 1 << 30, 1 << 30}, "b", nil)), ggml.ErrCorrupt, []string{"more than"}},
		{"huge tensor, no data", with(record(nil, 3, 1, 0, []int32{1 << 20, 1 << 10, 1 << 8}, "b", nil)), ggml.ErrTruncated, []string{`tensor #1 "b" data (F32 [1048576 1024 256]) needs 1099511627776 bytes`}},
		{"quantized row not whole blocks", with(record(nil, 2, 1, 8, []int32{16, 2}, "b", make([]byte, 34))), ggml.ErrCorrupt, []string{"rows of 16 elements, not a multiple of its block size 32"}},
		{"negative vocabulary count", patch(filtersEnd, 0xFFFFFFFF), ggml.ErrCorrupt, []string{"vocabulary count -1"}},
		{"absurd vocabulary count", patch(filtersEnd, 2_000_000), ggml.ErrCorrupt, []string{"vocabulary count 2000000"}},
		{"vocabulary beyond the file", le32(slices.Clone(head[:filtersEnd]), 900_000), ggml.ErrTruncated, []string{"vocabulary", "900000"}},
		{"token too long", patch(filtersEnd+4, 5000), ggml.ErrCorrupt, []string{"vocabulary token 0 is 5000 bytes long"}},
		{"n_mel 0", patch(hparamsEnd, 0), ggml.ErrCorrupt, []string{"mel filters are 0×3"}},
		{"n_fft absurd", patch(hparamsEnd+4, 1<<30), ggml.ErrCorrupt, []string{"mel filters are 2×1073741824"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []struct {
				how string
				r   io.Reader
			}{{"known size", bytes.NewReader(tc.data)}, {"unknown size", onlyReader{bytes.NewReader(tc.data)}}} {
				f, err := ggml.Read(r.r)
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: Read = %v, %v; want %v", r.how, f, err, tc.want)
				}
				for _, m := range tc.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("%s: error %q does not say %q", r.how, err, m)
					}
				}
			}
		})
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := ggml.Open(filepath.Join(t.TempDir(), "nope.bin"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *ggml.File)
		want   error
	}{
		{"duplicate tensor", func(f *ggml.File) { f.Tensors = append(f.Tensors, f.Tensors[0]) }, ggml.ErrCorrupt},
		{"data length", func(f *ggml.File) { f.Tensors[1].Data = f.Tensors[1].Data[1:] }, ggml.ErrShape},
		{"five dimensions", func(f *ggml.File) { f.Tensors[0].Shape = []int{3, 1, 1, 1, 1} }, ggml.ErrShape},
		{"unknown type", func(f *ggml.File) { f.Tensors[0].Type = 10 }, ggml.ErrUnsupportedType},
		{"empty name", func(f *ggml.File) { f.Tensors[0].Name = "" }, ggml.ErrCorrupt},
		{"filter size", func(f *ggml.File) { f.Filters.Data = f.Filters.Data[1:] }, ggml.ErrShape},
		{"long token", func(f *ggml.File) { f.Vocab[0] = make([]byte, 5000) }, ggml.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := testFile(t)
			tc.change(f)
			var buf bytes.Buffer
			if err := ggml.Write(&buf, f); !errors.Is(err, tc.want) {
				t.Errorf("Write = %v, want %v", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes of an invalid file", buf.Len())
			}
		})
	}
}

func TestWeightType(t *testing.T) {
	tests := []struct {
		ftype int
		want  ggml.Type
		ok    bool
	}{
		{0, ggml.F32, true}, {1, ggml.F16, true}, {2002, ggml.Q4_0, true}, {2003, ggml.Q4_1, true},
		{2007, ggml.Q8_0, true}, {1008, ggml.Q5_0, true}, {9, ggml.Q5_1, true},
		{4, 0, false}, {2010, 0, false}, {-1, 0, false},
	}
	for _, tc := range tests {
		got, err := ggml.Hparams{FType: tc.ftype}.WeightType()
		if (err == nil) != tc.ok || got != tc.want || (err != nil && !errors.Is(err, ggml.ErrUnsupportedType)) {
			t.Errorf("ftype %d: %v, %v; want %v ok=%v", tc.ftype, got, err, tc.want, tc.ok)
		}
	}
	for _, typ := range ggml.Types() {
		ft, err := ggml.FileType(typ)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ggml.Hparams{FType: ft}.WeightType()
		if err != nil || back != typ {
			t.Errorf("FileType(%v) = %d → %v, %v", typ, ft, back, err)
		}
		if typ.Quantized() != (ft >= 1000) {
			t.Errorf("FileType(%v) = %d: quantization version", typ, ft)
		}
	}
}
