//go:build race

package mkv

// raceEnabled is set when the tests run under the race detector, which
// makes decoding some ten times slower: the exhaustive tests then sample
// fewer cases.
const raceEnabled = true
