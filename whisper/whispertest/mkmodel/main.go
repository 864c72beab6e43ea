// Command mkmodel writes a random-weight Whisper model in whisper.cpp's ggml
// format, for benchmarks and start-up measurements from scripts:
//
//	go run ./whisper/whispertest/mkmodel -dims base -type f16 -o /tmp/base-f16.bin
//
// The weights are whispertest.SeededValue(seed) (seed 7 gives the R7
// generator's values), written by whispertest.WriteModel. The header's
// vocabulary (and its mel filters when the band count matches) comes from
// the shared fixtures' header files, as the whisper tests use them: tiny.en's
// for an English-only n_vocab, multilingual base's otherwise, so
// whisper.cpp's programs read the file as a real model. Without the fixtures,
// or with -synthetic, the header is whispertest.SyntheticHeader's.
//
// Quantized types are written by this package's encoder; to compare with
// whisper.cpp on the same bytes, write F16 and quantize it with
// whisper-quantize instead (scripts/bench-vs-whispercpp.sh does).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// dims are the model sizes by name: OpenAI's Whisper dimensions (tiny is
// tiny.en, as whispertest.Tiny; large is large-v2, large-v3 adds a mel band
// count of 128 and a language).
var dims = map[string]whispertest.Dims{
	"tiny":     whispertest.Tiny,
	"base":     whispertest.Base,
	"small":    openAI(51865, 768, 12, 12, 80),
	"medium":   openAI(51865, 1024, 16, 24, 80),
	"large":    openAI(51865, 1280, 20, 32, 80),
	"large-v3": openAI(51866, 1280, 20, 32, 128),
	"r7":       whispertest.R7,
}

// openAI returns dimensions with Whisper's contexts (1500 audio frames, 448
// text positions) and the same width, heads and layers on both sides.
func openAI(vocab, width, heads, layers, mels int) whispertest.Dims {
	return whispertest.Dims{
		NVocab: vocab, NAudioCtx: 1500, NAudioState: width, NAudioHead: heads, NAudioLayer: layers,
		NTextCtx: 448, NTextState: width, NTextHead: heads, NTextLayer: layers, NMels: mels,
	}
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkmodel:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkmodel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dimsName := fs.String("dims", "tiny", "model dimensions: "+strings.Join(sortedKeys(), ", "))
	typName := fs.String("type", "f16", "weight type: f32, f16, q8_0, q5_0, q5_1, q4_0 or q4_1")
	out := fs.String("o", "", "output file (required)")
	seed := fs.Uint64("seed", 7, "seed of the random weights (7: the R7 generator)")
	synthetic := fs.Bool("synthetic", false, "use the synthetic header even when the fixtures are present")
	headerFile := fs.String("header", "", "header file whose vocabulary (and mel filters, if the band count matches) to use instead of the fixtures'")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, ok := dims[*dimsName]
	if !ok {
		return fmt.Errorf("unknown -dims %q; known: %s", *dimsName, strings.Join(sortedKeys(), ", "))
	}
	typ, err := parseType(*typName)
	if err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return errors.New("usage: mkmodel -dims NAME -type TYPE -o FILE")
	}
	header, from, err := header(d, *headerFile, *synthetic)
	if err != nil {
		return err
	}
	return write(*out, header, d, typ, *seed, from, stderr)
}

// write writes the model to a temporary file beside path and renames it,
// so a script never sees half a model.
func write(path string, header *ggml.File, d whispertest.Dims, typ ggml.Type, seed uint64, from string, stderr io.Writer) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mkmodel-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 4<<20)
	if err := whispertest.WriteModel(bw, header, d, typ, whispertest.SeededValue(seed)); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "mkmodel: wrote %s: %v, n_vocab %d, width %d, %d+%d layers, %d mels, header %s, %d MiB\n",
		path, typ, d.NVocab, d.NAudioState, d.NAudioLayer, d.NTextLayer, d.NMels, from, st.Size()>>20)
	return nil
}

// header returns the header for d: file's if given, otherwise the fixture
// whose vocabulary fits d's n_vocab (found from the working directory, as
// whispertest.FixturesDir does), with standard Slaney filters when its band
// count differs; or the synthetic header.
func header(d whispertest.Dims, file string, synthetic bool) (*ggml.File, string, error) {
	name := file
	if file == "" {
		dir, ok := whispertest.FixturesDir()
		if synthetic || !ok {
			return whispertest.SyntheticHeader(d), "synthetic", nil
		}
		name = whispertest.BaseHeader
		if d.NVocab < ggml.MultilingualVocab {
			name = whispertest.TinyENHeader
		}
		name = filepath.Join(dir, name)
	}
	h, err := whispertest.Header(name)
	if err != nil {
		return nil, "", err
	}
	if h.Filters.NMel != d.NMels {
		h.Filters = ggml.MelFilters{NMel: d.NMels, NFFT: 201, Data: pipeline.MelFilters(d.NMels)}
	}
	return h, filepath.Base(name), nil
}

// parseType parses a ggml type name, any case ("f16", "Q8_0").
func parseType(s string) (ggml.Type, error) {
	var names []string
	for _, t := range ggml.Types() {
		if strings.EqualFold(t.String(), s) {
			return t, nil
		}
		names = append(names, strings.ToLower(t.String()))
	}
	return 0, fmt.Errorf("unknown -type %q; known: %s", s, strings.Join(names, ", "))
}

func sortedKeys() []string {
	var k []string
	for n := range dims {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
