package align

import (
	"errors"
	"fmt"
	"strings"
)

// Head identifies one cross-attention head of the text decoder: Layer is the
// 0-based text layer, Head the 0-based head within it.
type Head struct {
	Layer int
	Head  int
}

// ErrHeads reports alignment heads that do not fit a model.
var ErrHeads = errors.New("align: alignment heads do not fit the model")

// Alignment-head presets, copied from whisper.cpp src/whisper.cpp (commit
// 233fe1fc9b48, g_aheads_*), which in turn come from OpenAI's
// whisper/__init__.py _ALIGNMENT_HEADS.
var (
	headsTinyEn       = []Head{{1, 0}, {2, 0}, {2, 5}, {3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}}
	headsTiny         = []Head{{2, 2}, {3, 0}, {3, 2}, {3, 3}, {3, 4}, {3, 5}}
	headsBaseEn       = []Head{{3, 3}, {4, 7}, {5, 1}, {5, 5}, {5, 7}}
	headsBase         = []Head{{3, 1}, {4, 2}, {4, 3}, {4, 7}, {5, 1}, {5, 2}, {5, 4}, {5, 6}}
	headsSmallEn      = []Head{{6, 6}, {7, 0}, {7, 3}, {7, 8}, {8, 2}, {8, 5}, {8, 7}, {9, 0}, {9, 4}, {9, 8}, {9, 10}, {10, 0}, {10, 1}, {10, 2}, {10, 3}, {10, 6}, {10, 11}, {11, 2}, {11, 4}}
	headsSmall        = []Head{{5, 3}, {5, 9}, {8, 0}, {8, 4}, {8, 7}, {8, 8}, {9, 0}, {9, 7}, {9, 9}, {10, 5}}
	headsMediumEn     = []Head{{11, 4}, {14, 1}, {14, 12}, {14, 14}, {15, 4}, {16, 0}, {16, 4}, {16, 9}, {17, 12}, {17, 14}, {18, 7}, {18, 10}, {18, 15}, {20, 0}, {20, 3}, {20, 9}, {20, 14}, {21, 12}}
	headsMedium       = []Head{{13, 15}, {15, 4}, {15, 15}, {16, 1}, {20, 0}, {23, 4}}
	headsLargeV1      = []Head{{9, 19}, {11, 2}, {11, 4}, {11, 17}, {22, 7}, {22, 11}, {22, 17}, {23, 2}, {23, 15}}
	headsLargeV2      = []Head{{10, 12}, {13, 17}, {16, 11}, {16, 12}, {16, 13}, {17, 15}, {17, 16}, {18, 4}, {18, 11}, {18, 19}, {19, 11}, {21, 2}, {21, 3}, {22, 3}, {22, 9}, {22, 12}, {23, 5}, {23, 7}, {23, 13}, {25, 5}, {26, 1}, {26, 12}, {27, 15}}
	headsLargeV3      = []Head{{7, 0}, {10, 17}, {12, 18}, {13, 12}, {16, 1}, {17, 14}, {19, 11}, {21, 4}, {24, 1}, {25, 6}}
	headsLargeV3Turbo = []Head{{2, 4}, {2, 11}, {3, 3}, {3, 6}, {3, 11}, {3, 14}}
)

// presets maps whisper.cpp's -dtw preset names (examples/cli/cli.cpp) to
// their heads. Preset also accepts "-" for "." ("large-v3-turbo").
var presets = map[string][]Head{
	"tiny.en":        headsTinyEn,
	"tiny":           headsTiny,
	"base.en":        headsBaseEn,
	"base":           headsBase,
	"small.en":       headsSmallEn,
	"small":          headsSmall,
	"medium.en":      headsMediumEn,
	"medium":         headsMedium,
	"large.v1":       headsLargeV1,
	"large.v2":       headsLargeV2,
	"large.v3":       headsLargeV3,
	"large.v3.turbo": headsLargeV3Turbo,
}

// PresetNames lists the model names Preset knows, in whisper.cpp's spelling.
func PresetNames() []string {
	return []string{"tiny.en", "tiny", "base.en", "base", "small.en", "small",
		"medium.en", "medium", "large.v1", "large.v2", "large.v3", "large.v3.turbo"}
}

// Preset returns a copy of whisper.cpp's alignment heads for a model size
// ("tiny.en" … "large.v3.turbo"; "large-v3-turbo" and "large-v3" are accepted
// too) and whether the name is known.
func Preset(model string) ([]Head, bool) {
	h, ok := presets[canonical(model)]
	if !ok {
		return nil, false
	}
	return append([]Head(nil), h...), true
}

func canonical(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	if strings.HasPrefix(m, "large-") {
		m = strings.ReplaceAll(m, "-", ".")
	}
	return m
}

// TopMost returns every head of the top n text layers, in layer then head
// order: whisper.cpp's WHISPER_AHEADS_N_TOP_MOST (get_alignment_heads_by_layer
// selects layer il when il >= nTextLayer-n). n must be in [1, nTextLayer],
// as whisper.cpp's aheads_masks_init requires.
func TopMost(n, nTextLayer, nTextHead int) ([]Head, error) {
	if nTextLayer <= 0 || nTextHead <= 0 || nTextLayer*nTextHead > MaxHeads {
		return nil, fmt.Errorf("%w: %d text layers × %d heads", ErrHeads, nTextLayer, nTextHead)
	}
	if n <= 0 || n > nTextLayer {
		return nil, fmt.Errorf("%w: top-most layer count %d not in [1, %d]", ErrHeads, n, nTextLayer)
	}
	out := make([]Head, 0, n*nTextHead)
	for l := nTextLayer - n; l < nTextLayer; l++ {
		for h := range nTextHead {
			out = append(out, Head{Layer: l, Head: h})
		}
	}
	return out, nil
}

// DefaultTopLayers is the number of top-most layers Heads uses for a model
// without a preset: the upper half, as OpenAI's Whisper.__init__ does
// (all_heads[n_text_layer // 2 :] = True). whisper.cpp has no default — its
// CLI rejects unknown preset names and dtw_n_top defaults to -1 (invalid).
func DefaultTopLayers(nTextLayer int) int { return nTextLayer - nTextLayer/2 }

// Heads returns the alignment heads for a model: whisper.cpp's preset when
// model names one and it fits the dimensions, otherwise all heads of the top
// DefaultTopLayers(nTextLayer) layers. A preset that does not fit the model
// (as whisper.cpp's aheads_masks_init checks) is an error wrapping ErrHeads.
func Heads(model string, nTextLayer, nTextHead int) ([]Head, error) {
	if h, ok := Preset(model); ok {
		if err := Check(h, nTextLayer, nTextHead); err != nil {
			return nil, fmt.Errorf("preset %q: %w", model, err)
		}
		return h, nil
	}
	return TopMost(DefaultTopLayers(nTextLayer), nTextLayer, nTextHead)
}

// Check reports whether every head lies inside a model with nTextLayer text
// layers of nTextHead heads, and that there is at least one.
func Check(heads []Head, nTextLayer, nTextHead int) error {
	if len(heads) == 0 || len(heads) > MaxHeads {
		return fmt.Errorf("%w: %d heads", ErrHeads, len(heads))
	}
	for _, h := range heads {
		if h.Layer < 0 || h.Layer >= nTextLayer || h.Head < 0 || h.Head >= nTextHead {
			return fmt.Errorf("%w: head %d of layer %d in a model of %d layers × %d heads",
				ErrHeads, h.Head, h.Layer, nTextLayer, nTextHead)
		}
	}
	return nil
}
