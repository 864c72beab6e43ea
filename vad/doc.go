// Package vad is Silero VAD (voice activity detection) in pure Go, computed
// as whisper.cpp computes it from its ggml VAD model files (for example
// ggml-silero-v6.2.0.bin from whisper.cpp's models/download-vad-model.sh).
//
// [Load] parses a model file once into typed weights ([Model], immutable and
// safe to share). A [Detector] holds the LSTM state and scratch buffers of
// one stream: [Detector.Probabilities] cuts 16 kHz mono samples into
// 512-sample chunks (the last one zero-padded) and returns one speech
// probability per chunk, with the LSTM state reset at the start, as
// whisper.cpp's whisper_vad_detect_speech does. [Segments] turns
// probabilities into speech segments exactly as whisper.cpp's
// whisper_vad_segments_from_probs does, with its default parameters unless
// options say otherwise.
//
// # The computation (whisper.cpp's whisper_vad_build_graph)
//
// Each 512-sample chunk is reflect-padded by 64 samples on both sides (640
// samples; whisper.cpp does not prepend the previous chunk's 64 samples as
// Silero's Python code does, and neither does this package). The STFT is a
// convolution with the stored basis (258 filters of 256 taps, hop 128: four
// frames), whose real and imaginary halves give 129 magnitudes per frame.
// Four convolutions with ReLU follow (129→128 stride 1, 128→64 stride 2,
// 64→64 stride 2, 64→128 stride 1, kernel 3, padding 1), leaving one
// 128-vector per chunk, which drives one step of an LSTM (hidden size 128,
// gates i, f, g, o). ReLU of the hidden state, a 128→1 projection and a
// sigmoid give the probability.
//
// ggml computes every convolution with F16 weights by converting its input
// to F16 (im2col) and this package rounds the same inputs to F16, so it
// follows whisper.cpp's numerics rather than an idealised float32 Silero.
// How ggml then sums the F16 products depends on how whisper.cpp was built
// ([Numerics], chosen per Detector with [WithNumerics]): built for a CPU
// with AVX512-FP16 it accumulates in binary16, 128 lanes per row rounded at
// every step ([NumericsHalf], the default, which reproduces that build's
// products bit for bit: the shared fixture within 7.5e-9), other builds
// accumulate in float32 ([NumericsFloat], the portable build within
// 1.2e-4). The two differ by up to 0.018 in a probability on jfk.wav.
// NumericsHalf uses the CPU's own binary16 FMA where it has AVX512-FP16,
// else an exact emulation (AVX2 in float64, or pure Go).
//
// # Speed
//
// The STFT and the convolutions do not depend on the LSTM state, so chunks
// are processed in batches: their STFT and convolutions run as GEMMs over
// the whole batch (package whisper/kernel for NumericsFloat; row by row in
// this package for NumericsHalf), and only the LSTM's
// hidden-to-hidden product runs chunk by chunk. After a Detector's first
// use, computing probabilities allocates nothing per chunk.
package vad
