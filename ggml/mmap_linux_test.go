package ggml_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// mappings counts the process's mappings of path (/proc/self/maps).
func mappings(t *testing.T, path string) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	return strings.Count(string(maps), path)
}

// A file that fails to parse is unmapped before Open returns; one that
// parses stays mapped (for the life of the process).
func TestOpenUnmapsOnError(t *testing.T) {
	dir := t.TempDir()
	_, data := bigFile(t)
	bad := filepath.Join(dir, "cut.bin")
	if err := os.WriteFile(bad, data[:len(data)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := ggml.Open(bad); err == nil {
			t.Fatal("a cut file opened")
		}
	}
	if n := mappings(t, bad); n != 0 {
		t.Errorf("%d mappings of a file Open refused remain", n)
	}
	good := filepath.Join(dir, "good.bin")
	if err := os.WriteFile(good, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := ggml.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	if n := mappings(t, good); n != 1 {
		t.Errorf("%d mappings of an opened file, want 1", n)
	}
	_ = f
}
