//go:build !race

package mp4

// raceEnabled is true when the tests run with the race detector.
const raceEnabled = false
