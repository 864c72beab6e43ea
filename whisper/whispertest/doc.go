// Package whispertest builds whisper.cpp ggml model files with made-up
// weights for tests and benchmarks, in the spirit of net/http/httptest: a
// normal package that other packages' tests import.
//
// [TensorSpecs] lists every tensor of a Whisper model of given [Dims];
// [WriteModel] writes a whole model in F32, F16 or a quantized type with
// the tensor types whisper.cpp's converter and quantize tool would use; and
// [WriteR7] writes model R7, the random-weight model of the shared fixtures'
// README that anyone can regenerate and whisper.cpp has been run on.
//
// The header (mel filters and vocabulary) comes from the fixture files in
// ../shared/fixtures/whisper beside the module root, found by [FixturesDir].
// A user's clone has no ../shared, so tests call [Fixture] or [R7Model],
// which skip with a clear message when the fixtures are absent.
package whispertest
