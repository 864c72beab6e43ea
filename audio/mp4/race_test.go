//go:build race

package mp4

// raceEnabled is true when the tests run with the race detector, which
// slows decoding tenfold: the exhaustive tests then try fewer cases.
const raceEnabled = true
