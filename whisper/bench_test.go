package whisper_test

import (
	"context"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

func benchEncoder(b *testing.B, d whispertest.Dims, typ ggml.Type) {
	m, _ := randomModel(b, d, typ)
	benchEncoderOf(b, m)
}

// benchEncoderOf times one window through m's encoder (the workspace pool
// warmed first; b.Loop starts the timer).
func benchEncoderOf(b *testing.B, m *whisper.Model) {
	mel := randomMel(m)
	out := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	enc := m.NewEncoder()
	ctx := context.Background()
	if err := enc.Encode(ctx, mel, out); err != nil { // warm the workspace pool
		b.Fatal(err)
	}
	for b.Loop() {
		if err := enc.Encode(ctx, mel, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/window")
}

// One 30 s window through the encoder. whisper.cpp on this machine, 2
// threads, F32: tiny ≈ 0.66–0.71 s, base ≈ 1.44 s. The F16 variants keep
// the weight matrices in half precision (see docs/whisper.md for figures).
func BenchmarkEncoderTiny(b *testing.B)    { benchEncoder(b, whispertest.Tiny, ggml.F32) }
func BenchmarkEncoderBase(b *testing.B)    { benchEncoder(b, whispertest.Base, ggml.F32) }
func BenchmarkEncoderTinyF16(b *testing.B) { benchEncoder(b, whispertest.Tiny, ggml.F16) }
func BenchmarkEncoderBaseF16(b *testing.B) { benchEncoder(b, whispertest.Base, ggml.F16) }

// The quantized variants keep the weight matrices in ggml's blocks; the
// encoder dequantizes them while packing (run with -bench 'Q8_0|Q5_0').
func BenchmarkEncoderTinyQ8_0(b *testing.B) { benchEncoder(b, whispertest.Tiny, ggml.Q8_0) }
func BenchmarkEncoderTinyQ5_0(b *testing.B) { benchEncoder(b, whispertest.Tiny, ggml.Q5_0) }
func BenchmarkEncoderTinyQ4_0(b *testing.B) { benchEncoder(b, whispertest.Tiny, ggml.Q4_0) }
func BenchmarkEncoderBaseQ8_0(b *testing.B) { benchEncoder(b, whispertest.Base, ggml.Q8_0) }
func BenchmarkEncoderBaseQ5_0(b *testing.B) { benchEncoder(b, whispertest.Base, ggml.Q5_0) }

// primedDecoder returns a random model of dims d and a decoder over one
// encoded window that has taken the prompt <|sot|><|notimestamps|>.
func primedDecoder(b *testing.B, d whispertest.Dims) (*whisper.Model, *whisper.Decoder) {
	b.Helper()
	return primedDecoderOf(b, d, ggml.F32)
}

// primedDecoderOf is primedDecoder for a model of weight type typ.
func primedDecoderOf(b *testing.B, d whispertest.Dims, typ ggml.Type) (*whisper.Model, *whisper.Decoder) {
	b.Helper()
	m, _ := randomModel(b, d, typ)
	return m, primed(b, m)
}

// primed returns a decoder of m over one encoded random window that has
// taken the prompt <|sot|><|notimestamps|>.
func primed(b *testing.B, m *whisper.Model) *whisper.Decoder {
	b.Helper()
	enc := make([]float32, m.H.NAudioCtx*m.H.NAudioState)
	if err := m.NewEncoder().Encode(context.Background(), randomMel(m), enc); err != nil {
		b.Fatal(err)
	}
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), enc); err != nil {
		b.Fatal(err)
	}
	if _, err := dec.Forward([]int{m.Tok.SOT(), m.Tok.NoTimestamps()}); err != nil {
		b.Fatal(err)
	}
	return dec
}

func benchDecoderToken(b *testing.B, d whispertest.Dims, typ ggml.Type) {
	_, dec := primedDecoderOf(b, d, typ)
	benchTokens(b, dec, 64)
}

// benchTokens times single-token steps of dec, its cache cut back to the
// prompt whenever it holds maxLen tokens.
func benchTokens(b *testing.B, dec *whisper.Decoder, maxLen int) {
	prompt := dec.Len()
	for b.Loop() {
		if dec.Len() >= maxLen {
			dec.Truncate(prompt)
		}
		if _, err := dec.Forward([]int{220}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/token")
}

// One decoder step (self-attention over ≤ 64 cached tokens, cross-attention
// over 1500 frames, logits over the vocabulary).
func BenchmarkDecoderTokenTiny(b *testing.B) { benchDecoderToken(b, whispertest.Tiny, ggml.F32) }
func BenchmarkDecoderTokenBase(b *testing.B) { benchDecoderToken(b, whispertest.Base, ggml.F32) }
func BenchmarkDecoderTokenTinyF16(b *testing.B) {
	benchDecoderToken(b, whispertest.Tiny, ggml.F16)
}
func BenchmarkDecoderTokenBaseF16(b *testing.B) {
	benchDecoderToken(b, whispertest.Base, ggml.F16)
}

// The quantized variants: the decoder quantizes its activations per block
// and sums integer block dot products (ggml's vec_dot_q*_q8_*).
func BenchmarkDecoderTokenTinyQ8_0(b *testing.B) {
	benchDecoderToken(b, whispertest.Tiny, ggml.Q8_0)
}
func BenchmarkDecoderTokenTinyQ5_0(b *testing.B) {
	benchDecoderToken(b, whispertest.Tiny, ggml.Q5_0)
}
func BenchmarkDecoderTokenTinyQ4_0(b *testing.B) {
	benchDecoderToken(b, whispertest.Tiny, ggml.Q4_0)
}
func BenchmarkDecoderTokenBaseQ8_0(b *testing.B) {
	benchDecoderToken(b, whispertest.Base, ggml.Q8_0)
}
func BenchmarkDecoderTokenBaseQ5_0(b *testing.B) {
	benchDecoderToken(b, whispertest.Base, ggml.Q5_0)
}
