package audiotest_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "testdata", "a.bin")
	if err := os.WriteFile(path, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := audiotest.ReadFile(t, path); string(b) != "abc" {
		t.Errorf("ReadFile: %q", b)
	}
	t.Run("fixture", func(t *testing.T) {
		t.Chdir(dir)
		if b := audiotest.ReadFixture(t, "a.bin"); string(b) != "abc" {
			t.Errorf("ReadFixture: %q", b)
		}
	})
	var f *os.File
	t.Run("open", func(t *testing.T) {
		f = audiotest.Open(t, path)
		if b, err := io.ReadAll(f); err != nil || string(b) != "abc" {
			t.Errorf("Open: %q, %v", b, err)
		}
	})
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the file is still open after the test: Close says %v", err)
	}
	r := &recorder{TB: t}
	audiotest.ReadFile(r, filepath.Join(dir, "missing"))
	if len(r.failures) != 1 {
		t.Errorf("ReadFile of a missing file: failures %q", r.failures)
	}
}
