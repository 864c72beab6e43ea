//go:build !unix

package ggml

import "os"

// mapFile does not map files on this platform: Open reads them.
func mapFile(*os.File, int64) ([]byte, bool) { return nil, false }

// unmapFile is never called on this platform.
func unmapFile([]byte) {}
