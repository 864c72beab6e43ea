package whispertest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindFixtures(t *testing.T) {
	root := t.TempDir()
	mod := filepath.Join(root, "main")
	sub := filepath.Join(mod, "whisper", "deep")
	for _, d := range []string{sub, filepath.Join(root, "shared", "fixtures", "whisper")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	dir, ok := findFixtures()
	want := filepath.Join(root, "shared", "fixtures", "whisper")
	if real, err := filepath.EvalSymlinks(want); err == nil {
		want = real
	}
	if got, _ := filepath.EvalSymlinks(dir); !ok || got != want {
		t.Errorf("findFixtures from %s = %q, %v; want %q", sub, dir, ok, want)
	}

	// A module without ../shared: not found, rather than some other folder.
	if err := os.RemoveAll(filepath.Join(root, "shared")); err != nil {
		t.Fatal(err)
	}
	if dir, ok := findFixtures(); ok {
		t.Errorf("findFixtures without ../shared = %q, true", dir)
	}
}

func TestFixturesDirHere(t *testing.T) {
	dir := RequireFixtures(t)
	if _, err := os.Stat(filepath.Join(dir, TinyENHeader)); err != nil {
		t.Errorf("FixturesDir = %s, but: %v", dir, err)
	}
}
