package opus

// DecodeStats is what a Decoder's streams have decoded, summed.
type DecodeStats struct {
	Frames      [3]int // SILK, Hybrid and CELT frames
	Concealed   int    // frames concealed (DTX or mode transitions)
	Transitions int    // mode transitions smoothed by concealment
	CELTToSILK  int    // redundant CELT frames ending CELT
	SILKToCELT  int    // redundant CELT frames starting CELT
	LBRR        int    // LBRR frames skipped
}

// Stats returns what the decoder has decoded.
func Stats(d *Decoder) DecodeStats {
	var r DecodeStats
	for _, st := range d.streams {
		for i := range r.Frames {
			r.Frames[i] += st.stats.frames[i]
		}
		r.Concealed += st.stats.concealed
		r.Transitions += st.stats.transitions
		r.CELTToSILK += st.stats.celtToSilk
		r.SILKToCELT += st.stats.silkToCelt
		r.LBRR += st.silk.LBRRSkipped()
	}
	return r
}
