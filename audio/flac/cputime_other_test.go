//go:build !unix

package flac

import "time"

// cpuTime is unknown off Unix: benchmarks report no CPU-time rate.
func cpuTime() time.Duration { return 0 }
