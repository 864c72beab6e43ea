package tokenizer

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// fixtureDir finds ../shared/fixtures/whisper next to the module root.
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory; whisper fixtures unavailable")
		}
		dir = parent
	}
	fx := filepath.Join(dir, "..", "shared", "fixtures", "whisper")
	if _, err := os.Stat(fx); err != nil {
		t.Skipf("whisper fixtures not found at %s (they live outside the repository): %v", fx, err)
	}
	return fx
}

type vocabFile struct {
	nVocab int
	vocab  [][]byte
}

// readVocab parses a ggml whisper file up to the end of its vocabulary:
// magic, 11 int32 hparams, n_mel, n_fft, filters, count, tokens.
func readVocab(path string) (*vocabFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic uint32
	var hp [11]int32
	if err := binary.Read(f, binary.LittleEndian, &magic); err != nil {
		return nil, err
	}
	if magic != 0x67676d6c {
		return nil, errors.New("bad magic")
	}
	if err := binary.Read(f, binary.LittleEndian, &hp); err != nil {
		return nil, err
	}
	var mel [2]int32
	if err := binary.Read(f, binary.LittleEndian, &mel); err != nil {
		return nil, err
	}
	if _, err := f.Seek(int64(mel[0])*int64(mel[1])*4, io.SeekCurrent); err != nil {
		return nil, err
	}
	var count int32
	if err := binary.Read(f, binary.LittleEndian, &count); err != nil {
		return nil, err
	}
	v := &vocabFile{nVocab: int(hp[0]), vocab: make([][]byte, count)}
	for i := range v.vocab {
		var n uint32
		if err := binary.Read(f, binary.LittleEndian, &n); err != nil {
			return nil, err
		}
		v.vocab[i] = make([]byte, n)
		if _, err := io.ReadFull(f, v.vocab[i]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var (
	fixtureMu    sync.Mutex
	fixtureCache = map[string]*Tokenizer{}
)

// fixtureTokenizer builds (once) the tokenizer of a fixture model.
func fixtureTokenizer(t *testing.T, name string) *Tokenizer {
	t.Helper()
	path := filepath.Join(fixtureDir(t), name)
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if tok, ok := fixtureCache[name]; ok {
		return tok
	}
	v, err := readVocab(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tok, err := New(v.vocab, v.nVocab)
	if err != nil {
		t.Fatalf("New(%s): %v", name, err)
	}
	fixtureCache[name] = tok
	return tok
}

const (
	tinyEn = "for-tests-ggml-tiny.en.bin"
	base   = "for-tests-ggml-base.bin"
)

var fixtures = []string{tinyEn, base}
