//go:build !unix

package ggml_test

// mapsFiles: Open reads files on this platform.
const mapsFiles = false
