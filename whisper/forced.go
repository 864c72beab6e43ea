package whisper

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/xdna-worker/xdna-worker/whisper/align"
	"github.com/xdna-worker/xdna-worker/whisper/kernel"
)

// attnCapture records the softmaxed cross-attention of chosen heads during
// one forward pass: out is [len(heads)][tokens][n_audio_ctx].
type attnCapture struct {
	heads []align.Head
	out   []float32
	keys  []float32 // one head's keys, widened
}

// record computes, for every capture head of layer, softmax(q·Kᵀ/√dh) over
// the encoder frames for the nt query rows of q, from the keys kv stores
// (the decoder's cross-attention reads the same rounded keys).
func (c *attnCapture) record(layer int, q []float32, kv *kernel.HalfKV, nt, d, dh int) {
	scale := float32(1 / math.Sqrt(float64(dh)))
	nCtx := kv.Len()
	for hi, hd := range c.heads {
		if hd.Layer != layer {
			continue
		}
		if len(c.keys) < nCtx*dh {
			c.keys = make([]float32, nCtx*dh)
		}
		keys := c.keys[:nCtx*dh]
		kv.Keys(hd.Head, keys)
		dst := c.out[hi*nt*nCtx : (hi+1)*nt*nCtx]
		kernel.Gemm(true, nt, nCtx, dh, q[hd.Head*dh:], d, keys, dh, dst, nCtx, scale, 0)
		for t := range nt {
			kernel.Softmax(dst[t*nCtx : (t+1)*nCtx])
		}
	}
}

// ForcedPass is the result of Decoder.Align: the alignment heads'
// cross-attention for a forced token sequence and the probabilities of its
// text tokens.
type ForcedPass struct {
	// Weights is the softmaxed cross-attention, [heads][tokens][n_audio_ctx].
	Weights align.Weights
	// Probs[k] is the probability of text token k (the tokens after the
	// start sequence, before EOT) under a softmax over the text vocabulary
	// (ids below EOT) at the position that predicts it, as OpenAI's
	// find_alignment computes it.
	Probs []float32
}

// Align runs tokens, a start sequence of sotLen tokens (sot [lang]
// no_timestamps, at least 1) then text tokens then EOT, through the decoder
// from an empty token cache, keeping the window's audio, and records the
// cross-attention of heads. The cache holds tokens afterwards; callers
// decode again only after Reset. The weights live in the decoder's buffer
// and are valid until the next Align.
func (dec *Decoder) Align(tokens []int, sotLen int, heads []align.Head) (*ForcedPass, error) {
	h := dec.m.H
	nt := len(tokens)
	if sotLen < 1 || nt < sotLen+1 {
		return nil, fmt.Errorf("whisper: forced pass of %d tokens with a start sequence of %d", nt, sotLen)
	}
	if err := align.Check(heads, h.NTextLayer, h.NTextHead); err != nil {
		return nil, fmt.Errorf("whisper: forced pass: %w", err)
	}
	dec.alignBuf = growFloats(dec.alignBuf, len(heads)*nt*h.NAudioCtx)
	capture := &attnCapture{heads: heads, out: dec.alignBuf}
	dec.Reset()
	if _, err := dec.forward(tokens, capture); err != nil {
		return nil, err
	}
	// Text token k is predicted at position sotLen−1+k; the hidden states of
	// every position are still in dec.x. Logits over the text vocabulary
	// are computed probChunk rows at a time to bound the scratch.
	d, eot := h.NTextState, dec.m.Tok.EOT()
	nText := nt - sotLen - 1
	probs := make([]float32, nText)
	dec.probBuf = growFloats(dec.probBuf, probChunk*(eot+d))
	for k0 := 0; k0 < nText; k0 += probChunk {
		rows := min(probChunk, nText-k0)
		hid, logits := dec.probBuf[:rows*d], dec.probBuf[probChunk*d:probChunk*d+rows*eot]
		copy(hid, dec.x[(sotLen-1+k0)*d:(sotLen-1+k0+rows)*d])
		kernel.LayerNorm(hid, rows, d, dec.m.lnDec.w, dec.m.lnDec.b, lnEps)
		kernel.LinearT(logits, hid, dec.m.tokEmb.Slice(0, eot*d), nil, rows, eot, d)
		for r := range rows {
			k := k0 + r
			id := tokens[sotLen+k]
			if id < 0 || id >= eot {
				return nil, fmt.Errorf("whisper: forced pass: token %d at %d is not a text token", id, sotLen+k)
			}
			row := logits[r*eot : (r+1)*eot]
			kernel.Softmax(row)
			probs[k] = row[id]
		}
	}
	return &ForcedPass{
		Weights: align.Weights{Data: capture.out[:len(heads)*nt*h.NAudioCtx], Heads: len(heads), Tokens: nt, Ctx: h.NAudioCtx},
		Probs:   probs,
	}, nil
}

// probChunk is the number of positions whose text-vocabulary logits Align
// computes at once (about 3 MB of scratch for a 51,864-token vocabulary).
const probChunk = 16

// growFloats returns buf with length n, reallocated only when too small.
func growFloats(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// quantSuffix matches the type suffix of a ggml model file name
// ("-q5_1", "-q8_0", "-f16").
var quantSuffix = regexp.MustCompile(`-(q\d(_[0-9k]+)?|f16|f32)$`)

// AlignmentHeads returns the alignment heads for the model: whisper.cpp's
// preset when the model's file name names a known size ("ggml-base.en",
// "ggml-large-v3-turbo-q5_0") and the preset fits its dimensions, else the
// preset of the official model with exactly its dimensions (sizeByDims),
// otherwise all heads of the top half of the decoder layers (OpenAI's
// default).
func (m *Model) AlignmentHeads() ([]align.Head, error) {
	for _, name := range []string{presetName(m.Name), sizeByDims(m.H)} {
		if heads, ok := align.Preset(name); ok && align.Check(heads, m.H.NTextLayer, m.H.NTextHead) == nil {
			return heads, nil
		}
	}
	return align.TopMost(align.DefaultTopLayers(m.H.NTextLayer), m.H.NTextLayer, m.H.NTextHead)
}

// officialSizes are the shapes of OpenAI's released models: encoder and
// decoder layers, width and heads (the same in encoder and decoder).
var officialSizes = []struct {
	name                        string
	audioLayers, textLayers     int
	state, heads, mels, vocabML int
}{
	{"tiny", 4, 4, 384, 6, 80, 51865},
	{"base", 6, 6, 512, 8, 80, 51865},
	{"small", 12, 12, 768, 12, 80, 51865},
	{"medium", 24, 24, 1024, 16, 80, 51865},
	// large-v1 and large-v2 share a shape; v2 is the one in use.
	{"large-v2", 32, 32, 1280, 20, 80, 51865},
	{"large-v3", 32, 32, 1280, 20, 128, 51866},
	{"large-v3-turbo", 32, 4, 1280, 20, 128, 51866},
}

// Size names the official model whose shape m has ("base", "tiny.en",
// "large-v3"), or "" if none has.
func (m *Model) Size() string { return sizeByDims(m.H) }

// sizeByDims names the official model whose shape h has exactly ("tiny.en"
// for tiny's shape with the English-only vocabulary), or "" if none has.
func sizeByDims(h Hparams) string {
	for _, o := range officialSizes {
		if h.NAudioLayer != o.audioLayers || h.NTextLayer != o.textLayers || h.NAudioState != o.state ||
			h.NTextState != o.state || h.NAudioHead != o.heads || h.NTextHead != o.heads || h.NMels != o.mels {
			continue
		}
		switch {
		case h.NVocab == o.vocabML:
			return o.name
		case h.NVocab == 51864 && o.vocabML == 51865 && !strings.HasPrefix(o.name, "large"):
			return o.name + ".en"
		}
	}
	return ""
}

// presetName is the model size a ggml file name names: "ggml-base.en.bin"
// gives "base.en", "ggml-large-v3-turbo-q5_0" gives "large-v3-turbo".
func presetName(name string) string {
	name = strings.ToLower(filepath.Base(name))
	if i := strings.LastIndex(name, "ggml-"); i >= 0 {
		name = name[i+len("ggml-"):]
	}
	return quantSuffix.ReplaceAllString(strings.TrimSuffix(name, ".bin"), "")
}
