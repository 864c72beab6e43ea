package opus_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time the calling OS thread has used, or 0 when the
// platform cannot say. Benchmarks lock their goroutine to its thread and
// report audio seconds per CPU second besides per wall second, which on a
// loaded machine says more.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
