package aac

// tool is a coding tool of AAC-LC, as the decoder records the tools a
// stream uses (for tests to check that their fixtures exercise each one).
type tool uint16

// Tools.
const (
	toolShortWindows tool = 1 << iota
	toolStartStop
	toolKBD
	toolTNS
	toolPulse
	toolMidSide
	toolIntensity
	toolNoise
	toolEscape
	toolPCE
	toolFill
)
