//go:build unix

package audiotest_test

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

func TestCPUTime(t *testing.T) {
	before := audiotest.CPUTime()
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	if after := audiotest.CPUTime(); before <= 0 || after <= before {
		t.Errorf("CPUTime %v before 50 ms of work, %v after", before, after)
	}
}
