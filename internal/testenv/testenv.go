// Package testenv decides what a test does when something it needs from
// outside the repository is missing, such as the shared Whisper fixtures
// (../shared/fixtures beside the module root) or a MinIO binary: on a
// developer's machine the test is skipped with a message saying what is
// missing; under CI (the CI environment variable set, as every CI service
// sets it) it fails, so that a CI run that lost its fixtures cannot pass by
// skipping the tests that need them.
package testenv

import (
	"os"
	"testing"
)

// CI reports whether the tests run under CI: the CI environment variable is
// set to anything but "", "0" or "false".
func CI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false", "FALSE", "False":
		return false
	}
	return true
}

// Missing ends tb because something it needs is missing: Fatalf under CI,
// else Skipf. The message should say what is missing and where it was
// looked for.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if CI() {
		tb.Fatalf("missing under CI (CI is set, so this fails instead of skipping): "+format, args...)
	}
	tb.Skipf("skipping: "+format, args...)
}
