package whispertest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// The cross-check models are the files whisper.cpp was run on: same size,
// same SHA-256, the hparams of their Dims, and the header they claim.
func TestXcheckModels(t *testing.T) {
	tests := []struct {
		name   string
		path   func(testing.TB) string
		dims   whispertest.Dims
		size   int
		sha256 string
	}{
		{"R7ML", whispertest.R7MLModel, whispertest.R7ML, whispertest.R7MLSize, whispertest.R7MLSHA256},
		{"V3", whispertest.V3Model, whispertest.V3, whispertest.V3Size, whispertest.V3SHA256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if len(data) != tc.size || hex.EncodeToString(sum[:]) != tc.sha256 {
				t.Errorf("%d bytes, SHA-256 %x; want %d, %s", len(data), sum, tc.size, tc.sha256)
			}
			f, err := ggml.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.dims.Hparams(0); f.Hparams != want {
				t.Errorf("hparams %+v, want %+v", f.Hparams, want)
			}
			base, err := whispertest.Header(whispertest.Fixture(t, whispertest.BaseHeader))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Vocab) != len(base.Vocab) || string(f.Vocab[1000]) != string(base.Vocab[1000]) {
				t.Error("vocabulary is not base's")
			}
			if f.Filters.NMel != tc.dims.NMels {
				t.Errorf("%d mel filters, want %d", f.Filters.NMel, tc.dims.NMels)
			}
			if tc.dims.NMels == 128 && f.Filters.Data[5*201+3] != pipeline.MelFilters(128)[5*201+3] {
				t.Error("128 mel filters are not pipeline.MelFilters(128)")
			}
		})
	}
}
