//go:build !race

package mkv

// raceEnabled is set when the tests run under the race detector.
const raceEnabled = false
