// Package ggml reads and writes whisper.cpp's ggml model files: the legacy
// (pre-GGUF) container that whisper.cpp's models/ggml-*.bin use.
//
// A file is little-endian with no padding:
//
//  1. uint32 magic 0x67676d6c ("lmgg" on disk).
//  2. Hyperparameters: 11 int32 (see [Hparams]).
//  3. Mel filterbank: int32 n_mel, int32 n_fft, then n_mel×n_fft float32
//     (see [MelFilters]).
//  4. Vocabulary: int32 count, then per token a uint32 length and its raw
//     bytes; the token id is its position.
//  5. Tensor records until end of file: int32 n_dims, int32 name length,
//     int32 ggml type, n_dims × int32 ne (innermost first), the name, then
//     the data as ggml stores it (see [Type]).
//
// [Read] parses a whole file once into typed [Tensor]s whose Data holds the
// stored bytes; [Tensor.Float32] and [Tensor.DecodeInto] dequantize them
// exactly as ggml does. [Write] produces the same layout, so tests and tools
// can make model files. The package knows nothing about Whisper's tensor
// names or shapes; package whisper checks those.
package ggml
