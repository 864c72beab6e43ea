package aac

// channel is the state and working space of one output channel.
type channel struct {
	// spec is the spectrum of the frame being decoded.
	spec [frameLength]float32
	// info is the windowing of the frame being decoded.
	info icsInfo
	// prevShape is the window shape of the last frame synthesized, which
	// shapes the left half of the next one.
	prevShape uint8
	// overlap is the second half of the last frame's windowed output.
	overlap [frameLength]float32
	// out is the channel's output of the last frame.
	out [frameLength]float32
	buf [2 * frameLength]float32
	// shortU holds the DCT-IVs of two consecutive short windows.
	shortU  [2][128]float32
	scratch imdctScratch
}
