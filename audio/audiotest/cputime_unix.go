//go:build unix

package audiotest

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time, user and system, the process has used so
// far, or 0 when the system does not tell. Benchmarks take it before and
// after their loop and hand the difference to ReportSpeed: a speed per CPU
// second does not depend on the load of a shared machine as one per wall
// second does.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
