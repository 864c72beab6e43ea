//go:build !linux

package miniotest

import "os/exec"

// setProcAttr has nothing to set outside Linux; the test's cleanup stops the
// server.
func setProcAttr(cmd *exec.Cmd) {}
