package tokenizer

import (
	"sync"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

var (
	fixtureMu    sync.Mutex
	fixtureCache = map[string]*Tokenizer{}
)

// fixtureTokenizer builds (once) the tokenizer of a fixture model.
func fixtureTokenizer(t *testing.T, name string) *Tokenizer {
	t.Helper()
	path := whispertest.Fixture(t, name)
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if tok, ok := fixtureCache[name]; ok {
		return tok
	}
	f, err := whispertest.Header(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tok, err := New(f.Vocab, f.Hparams.NVocab)
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
