//go:build unix

package ggml

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first size bytes of the regular file fh read-only and
// private. ok is false when it cannot (an empty file, a size beyond the
// address space, a file system without mmap): the caller reads the file
// instead. The pages are read in as they are touched; MADV_WILLNEED asks
// the kernel to start reading the whole file ahead now, since a model's
// every weight is used by its first window.
func mapFile(fh *os.File, size int64) (mem []byte, ok bool) {
	if size <= 0 || size > math.MaxInt {
		return nil, false
	}
	mem, err := unix.Mmap(int(fh.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	_ = unix.Madvise(mem, unix.MADV_WILLNEED) // advice only: no error matters
	return mem, true
}

// unmapFile releases a mapping nothing refers to any more.
func unmapFile(mem []byte) { _ = unix.Munmap(mem) }
