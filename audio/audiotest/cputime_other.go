//go:build !unix

package audiotest

import "time"

// CPUTime returns the CPU time the process has used so far; off Unix it is
// not measured and is always 0, so ReportSpeed reports no CPU-time rate.
func CPUTime() time.Duration { return 0 }
