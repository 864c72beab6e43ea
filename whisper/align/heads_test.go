package align

import (
	"bufio"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPresetsMatchWhisperCpp compares every preset with whisper.cpp's
// g_aheads_* arrays, copied verbatim into testdata/g_aheads.txt.
func TestPresetsMatchWhisperCpp(t *testing.T) {
	f, err := os.Open("testdata/g_aheads.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]string{
		"tiny_en": "tiny.en", "tiny": "tiny", "base_en": "base.en", "base": "base",
		"small_en": "small.en", "small": "small", "medium_en": "medium.en", "medium": "medium",
		"large_v1": "large.v1", "large_v2": "large.v2", "large_v3": "large.v3", "large_v3_turbo": "large.v3.turbo",
	}
	decl := regexp.MustCompile(`g_aheads_(\w+)\[\]\s*=\s*\{(.*)\};`)
	pair := regexp.MustCompile(`\{(\d+), (\d+)\}`)
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := decl.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name, ok := names[m[1]]
		if !ok {
			t.Fatalf("unknown whisper.cpp preset %q", m[1])
		}
		var want []Head
		for _, p := range pair.FindAllStringSubmatch(m[2], -1) {
			l, _ := strconv.Atoi(p[1])
			h, _ := strconv.Atoi(p[2])
			want = append(want, Head{l, h})
		}
		got, ok := Preset(name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Preset(%q) = %v, whisper.cpp has %v", name, got, want)
		}
		seen++
	}
	if seen != len(PresetNames()) || seen != 12 {
		t.Fatalf("compared %d presets, want 12", seen)
	}
}

func TestPresetSpellings(t *testing.T) {
	for _, n := range []string{"large-v3-turbo", "Large.V3.Turbo", "large-v3"} {
		if _, ok := Preset(n); !ok {
			t.Errorf("Preset(%q) unknown", n)
		}
	}
	if _, ok := Preset("tiny-en"); ok {
		t.Error("tiny-en is not a whisper.cpp name")
	}
	h, _ := Preset("tiny")
	h[0].Layer = 99
	if again, _ := Preset("tiny"); again[0].Layer == 99 {
		t.Fatal("Preset returned the shared table")
	}
}

// Presets fit the dimensions of the models they name (n_text_layer × n_text_head
// from OpenAI's model cards).
func TestPresetsFitTheirModels(t *testing.T) {
	dims := map[string][2]int{
		"tiny": {4, 6}, "base": {6, 8}, "small": {12, 12}, "medium": {24, 16},
		"large.v1": {32, 20}, "large.v2": {32, 20}, "large.v3": {32, 20}, "large.v3.turbo": {4, 20},
	}
	for _, n := range PresetNames() {
		d := dims[strings.TrimSuffix(n, ".en")]
		if _, err := Heads(n, d[0], d[1]); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestTopMost(t *testing.T) {
	got, err := TopMost(1, 2, 2) // R7: 2 text layers × 2 heads
	if err != nil {
		t.Fatal(err)
	}
	if want := []Head{{1, 0}, {1, 1}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("TopMost(1, 2, 2) = %v, want %v", got, want)
	}
	got, _ = TopMost(2, 4, 3)
	if want := []Head{{2, 0}, {2, 1}, {2, 2}, {3, 0}, {3, 1}, {3, 2}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("TopMost(2, 4, 3) = %v", got)
	}
	for _, n := range []int{0, -1, 5} {
		if _, err := TopMost(n, 4, 3); !errors.Is(err, ErrHeads) {
			t.Errorf("TopMost(%d, 4, 3): err %v, want ErrHeads", n, err)
		}
	}
}

func TestHeadsFallbackAndMismatch(t *testing.T) {
	// Unknown model: OpenAI's default, upper half of the layers (n//2 on).
	got, err := Heads("r7", 2, 2)
	if err != nil || !reflect.DeepEqual(got, []Head{{1, 0}, {1, 1}}) {
		t.Fatalf("Heads(r7, 2, 2) = %v, %v", got, err)
	}
	got, _ = Heads("", 5, 1)
	if !reflect.DeepEqual(got, []Head{{2, 0}, {3, 0}, {4, 0}}) {
		t.Fatalf("Heads('', 5, 1) = %v (want layers 5//2=2 and up)", got)
	}
	// A preset on a model too small for it fails as whisper.cpp's
	// aheads_masks_init does (whisper-cli -dtw tiny.en on R7).
	if _, err := Heads("tiny.en", 2, 2); !errors.Is(err, ErrHeads) {
		t.Fatalf("tiny.en on 2×2: err %v, want ErrHeads", err)
	}
}
