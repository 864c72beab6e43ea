//go:build unix

package ggml_test

// mapsFiles: Open maps regular files on this platform.
const mapsFiles = true
