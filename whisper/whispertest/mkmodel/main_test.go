package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// The files mkmodel writes load as Whisper models of the asked dimensions
// and type.
func TestWritesLoadableModels(t *testing.T) {
	dir := t.TempDir()
	for _, typ := range []string{"f16", "Q8_0"} {
		out := filepath.Join(dir, "r7-"+typ+".bin")
		var stderr bytes.Buffer
		if err := run([]string{"-dims", "r7", "-type", typ, "-synthetic", "-o", out}, &stderr); err != nil {
			t.Fatalf("%s: %v (%s)", typ, err, stderr.String())
		}
		f, err := ggml.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := parseType(typ)
		if wt, err := f.Hparams.WeightType(); err != nil || wt != want {
			t.Errorf("%s: weight type %v, %v", typ, wt, err)
		}
		m, err := whisper.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		d := whispertest.R7
		if m.H.NAudioState != d.NAudioState || m.H.NTextLayer != d.NTextLayer || m.H.NVocab != d.NVocab {
			t.Errorf("%s: hparams %+v, want R7's", typ, m.H)
		}
		if !strings.Contains(stderr.String(), "header synthetic") {
			t.Errorf("%s: report %q does not name the synthetic header", typ, stderr.String())
		}
	}
}

func TestRejectsBadArguments(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.bin")
	for _, args := range [][]string{
		{"-dims", "huge", "-o", out},
		{"-type", "q3_k", "-o", out},
		{"-dims", "tiny"},
		{"-dims", "tiny", "-o", out, "extra"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
