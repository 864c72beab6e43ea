// Package whisper runs OpenAI's Whisper speech recognition model in pure Go:
// the encoder (the cpu Device), the text decoder with its KV cache, and the
// decoding loop that turns 30 s windows into timed segments. Weights come
// from whisper.cpp's ggml model files.
package whisper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// ErrModel marks a model file that is not a usable Whisper model: missing,
// unknown or misshapen tensors, or inconsistent hyperparameters.
var ErrModel = errors.New("whisper: invalid model")

// Hparams are the model dimensions.
type Hparams struct {
	NVocab      int
	NAudioCtx   int
	NAudioState int
	NAudioHead  int
	NAudioLayer int
	NTextCtx    int
	NTextState  int
	NTextHead   int
	NTextLayer  int
	NMels       int
}

// linear is a dense layer: y = x·Wᵀ + b, W stored [out][in] in the
// file's type (F32, F16, or ggml's quantized blocks, read in place by the
// kernels; see loader.matrix).
type linear struct {
	w       kernel.Weights
	b       []float32 // nil: no bias
	in, out int
}

type layerNorm struct{ w, b []float32 }

type attention struct {
	query, key, value, out linear
}

type mlp struct{ fc1, fc2 linear }

type encoderBlock struct {
	attnLN layerNorm
	attn   attention
	mlpLN  layerNorm
	mlp    mlp
}

type decoderBlock struct {
	attnLN      layerNorm
	attn        attention
	crossAttnLN layerNorm
	crossAttn   attention
	mlpLN       layerNorm
	mlp         mlp
}

// Model is a loaded Whisper model, shared read-only by every job.
type Model struct {
	Name    string
	H       Hparams
	Filters []float32 // mel filters [n_mels][201]
	Tok     *tokenizer.Tokenizer

	// encoder
	conv1W, conv1B []float32 // [d][n_mels][3], [d]
	conv2W, conv2B []float32 // [d][d][3], [d]
	encPos         []float32 // [n_audio_ctx][d]
	enc            []encoderBlock
	lnPost         layerNorm

	// decoder
	tokEmb kernel.Weights // [n_vocab][d], also the output projection
	decPos []float32      // [n_text_ctx][d]
	dec    []decoderBlock
	lnDec  layerNorm

	// LoadTime is how long Load took. Bytes is the size of the weights as
	// the model uses them: matrices kept in the file's type are viewed in
	// the file's read-only mapping (see ggml.Open), not copied; the other
	// tensors are float32 copies.
	LoadTime time.Duration
	Bytes    int64
	// RSS is the process's resident set size in bytes right after Load
	// (mapped file pages read so far included), 0 where the platform does
	// not report it (it is read from /proc/self/statm).
	RSS int64
}

// Dims returns the dimensions that size the buffer pools.
func (m *Model) Dims() xdna.Dims {
	return xdna.Dims{NMels: m.H.NMels, NAudioCtx: m.H.NAudioCtx, NAudioState: m.H.NAudioState}
}

// Load opens a whisper.cpp ggml model file and builds the model. Every
// tensor is checked by name and shape. The file is mapped read-only where
// the platform allows (ggml.Open): weight matrices (the layers' and the
// token embedding) that the kernels read in their stored type stay in the
// mapping, so loading copies nothing the model can use as stored and their
// pages are shared with the page cache; the other tensors (biases, norms,
// positional embeddings, conv weights) are converted to float32 once. The
// mapping lives as long as the process: load a model once, keep it, and
// never truncate or rewrite the file in place while it is in use (mount
// models read-only; replace one by renaming a new file over it).
func Load(path string) (*Model, error) {
	start := time.Now()
	f, err := ggml.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrModel, path, err)
	}
	m, err := FromFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Name = strings.TrimSuffix(filepath.Base(path), ".bin")
	m.LoadTime = time.Since(start)
	m.RSS = residentBytes()
	return m, nil
}

// residentBytes is the process's resident set size from /proc/self/statm
// (its second field, in pages), or 0 where there is none.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// FromFile builds a model from a parsed ggml file.
func FromFile(f *ggml.File) (*Model, error) {
	h := f.Hparams
	m := &Model{H: Hparams{
		NVocab: h.NVocab, NAudioCtx: h.NAudioCtx, NAudioState: h.NAudioState, NAudioHead: h.NAudioHead,
		NAudioLayer: h.NAudioLayer, NTextCtx: h.NTextCtx, NTextState: h.NTextState, NTextHead: h.NTextHead,
		NTextLayer: h.NTextLayer, NMels: h.NMels,
	}}
	if err := m.H.validate(); err != nil {
		return nil, err
	}
	// Every layer has tensors: more layers than the file has tensors is
	// a corrupt header, refused before the blocks are allocated.
	if layers := h.NAudioLayer + h.NTextLayer; layers > len(f.Tensors) {
		return nil, fmt.Errorf("%w: %d encoder and %d decoder layers, but the file has %d tensors", ErrModel, h.NAudioLayer, h.NTextLayer, len(f.Tensors))
	}
	if f.Filters.NMel != h.NMels || f.Filters.NFFT != 201 || len(f.Filters.Data) != h.NMels*201 {
		return nil, fmt.Errorf("%w: mel filters are %d×%d, want %d×201", ErrModel, f.Filters.NMel, f.Filters.NFFT, h.NMels)
	}
	m.Filters = f.Filters.Data
	tok, err := tokenizer.New(f.Vocab, h.NVocab)
	if err != nil {
		return nil, fmt.Errorf("%w: vocabulary: %w", ErrModel, err)
	}
	m.Tok = tok

	l := &loader{f: f, used: map[string]bool{}}
	da, dt := h.NAudioState, h.NTextState
	m.conv1W = l.get("encoder.conv1.weight", 3, h.NMels, da)
	m.conv1B = l.get("encoder.conv1.bias", 1, da)
	m.conv2W = l.get("encoder.conv2.weight", 3, da, da)
	m.conv2B = l.get("encoder.conv2.bias", 1, da)
	m.encPos = l.get("encoder.positional_embedding", da, h.NAudioCtx)
	m.enc = make([]encoderBlock, h.NAudioLayer)
	for i := range m.enc {
		p := fmt.Sprintf("encoder.blocks.%d.", i)
		b := &m.enc[i]
		b.attnLN = l.norm(p+"attn_ln", da)
		b.attn = l.attention(p+"attn", da)
		b.mlpLN = l.norm(p+"mlp_ln", da)
		b.mlp = l.mlp(p+"mlp", da)
	}
	m.lnPost = l.norm("encoder.ln_post", da)

	m.decPos = l.get("decoder.positional_embedding", dt, h.NTextCtx)
	m.tokEmb = l.matrix("decoder.token_embedding.weight", dt, h.NVocab)
	m.dec = make([]decoderBlock, h.NTextLayer)
	for i := range m.dec {
		p := fmt.Sprintf("decoder.blocks.%d.", i)
		b := &m.dec[i]
		b.attnLN = l.norm(p+"attn_ln", dt)
		b.attn = l.attention(p+"attn", dt)
		b.crossAttnLN = l.norm(p+"cross_attn_ln", dt)
		b.crossAttn = l.attention(p+"cross_attn", dt)
		b.mlpLN = l.norm(p+"mlp_ln", dt)
		b.mlp = l.mlp(p+"mlp", dt)
	}
	m.lnDec = l.norm("decoder.ln", dt)
	if err := l.finish(); err != nil {
		return nil, err
	}
	m.Bytes = l.bytes
	return m, nil
}

// Limits on a model's hyperparameters, checked before anything is sized by
// them. They are several times those of the largest Whisper model
// (large-v3: n_vocab 51866, n_text_ctx 448, width 1280, 20 heads, 32
// layers per stack), so any real model passes and a corrupt header cannot
// make Load allocate per layer or per position without bound.
const (
	MaxVocab   = 1 << 17 // n_vocab
	MaxTextCtx = 1 << 12 // n_text_ctx
	MaxState   = 1 << 13 // n_audio_state, n_text_state
	MaxHeads   = 1 << 8  // n_audio_head, n_text_head
	MaxLayers  = 1 << 8  // n_audio_layer, n_text_layer
)

func (h Hparams) validate() error {
	var errs []error
	for _, p := range []struct {
		name   string
		v, max int
	}{
		{"n_vocab", h.NVocab, MaxVocab}, {"n_audio_ctx", h.NAudioCtx, xdna.FramesPerWindow / 2},
		{"n_audio_state", h.NAudioState, MaxState}, {"n_audio_head", h.NAudioHead, MaxHeads},
		{"n_audio_layer", h.NAudioLayer, MaxLayers}, {"n_text_ctx", h.NTextCtx, MaxTextCtx},
		{"n_text_state", h.NTextState, MaxState}, {"n_text_head", h.NTextHead, MaxHeads},
		{"n_text_layer", h.NTextLayer, MaxLayers}, {"n_mels", h.NMels, 128},
	} {
		if p.v <= 0 || p.v > p.max {
			errs = append(errs, fmt.Errorf("%w: %s is %d, want 1 to %d", ErrModel, p.name, p.v, p.max))
		}
	}
	if h.NAudioHead > 0 && h.NAudioState%h.NAudioHead != 0 {
		errs = append(errs, fmt.Errorf("%w: n_audio_state %d is not a multiple of n_audio_head %d", ErrModel, h.NAudioState, h.NAudioHead))
	}
	if h.NTextHead > 0 && h.NTextState%h.NTextHead != 0 {
		errs = append(errs, fmt.Errorf("%w: n_text_state %d is not a multiple of n_text_head %d", ErrModel, h.NTextState, h.NTextHead))
	}
	if h.NAudioCtx != xdna.FramesPerWindow/2 {
		errs = append(errs, fmt.Errorf("%w: n_audio_ctx %d, want %d (30 s windows)", ErrModel, h.NAudioCtx, xdna.FramesPerWindow/2))
	}
	if h.NMels != 80 && h.NMels != 128 {
		errs = append(errs, fmt.Errorf("%w: n_mels %d, want 80 or 128", ErrModel, h.NMels))
	}
	return errors.Join(errs...)
}

// loader pulls tensors out of a ggml file by name, checking shapes and
// remembering the first problem.
type loader struct {
	f     *ggml.File
	used  map[string]bool
	errs  []error
	bytes int64
}

// get returns the named tensor as float32, checking its ne shape.
func (l *loader) get(name string, shape ...int) []float32 {
	l.used[name] = true
	t, ok := l.f.Tensor(name)
	if !ok {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s is missing", ErrModel, name))
		return nil
	}
	if !sameShape(t.Shape, shape) {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrModel, name, t.Shape, shape))
		return nil
	}
	data, err := t.Float32()
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%w: tensor %s: %w", ErrModel, name, err))
		return nil
	}
	l.bytes += int64(len(data)) * 4
	return data
}

// sameShape compares ne shapes, ignoring trailing 1s.
func sameShape(got, want []int) bool {
	trim := func(s []int) []int {
		for len(s) > 1 && s[len(s)-1] == 1 {
			s = s[:len(s)-1]
		}
		return s
	}
	g, w := trim(got), trim(want)
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if g[i] != w[i] {
			return false
		}
	}
	return true
}

func (l *loader) norm(prefix string, d int) layerNorm {
	return layerNorm{w: l.get(prefix+".weight", d), b: l.get(prefix+".bias", d)}
}

func (l *loader) linear(prefix string, in, out int, bias bool) linear {
	lin := linear{w: l.matrix(prefix+".weight", in, out), in: in, out: out}
	if bias {
		lin.b = l.get(prefix+".bias", out)
	}
	return lin
}

func (l *loader) attention(prefix string, d int) attention {
	return attention{
		query: l.linear(prefix+".query", d, d, true),
		key:   l.linear(prefix+".key", d, d, false),
		value: l.linear(prefix+".value", d, d, true),
		out:   l.linear(prefix+".out", d, d, true),
	}
}

func (l *loader) mlp(prefix string, d int) mlp {
	return mlp{fc1: l.linear(prefix+".0", d, 4*d, true), fc2: l.linear(prefix+".2", 4*d, d, true)}
}

// finish reports missing, misshapen and unknown tensors, all at once.
func (l *loader) finish() error {
	for _, t := range l.f.Tensors {
		if !l.used[t.Name] {
			l.errs = append(l.errs, fmt.Errorf("%w: unknown tensor %s", ErrModel, t.Name))
		}
	}
	if len(l.errs) > 8 {
		more := len(l.errs) - 8
		l.errs = append(l.errs[:8], fmt.Errorf("… and %d more problems", more))
	}
	return errors.Join(l.errs...)
}
