package align

// Alignment is the DTW path of one window: Path[k] pairs a row (see
// Aligner.Align: row 0 is no_timestamps, row k the k-th text token as
// decoder input) with an encoder frame (20 ms).
type Alignment struct {
	// Rows and Frames are the path from (0, 0) to (rows-1, frames-1).
	Rows, Frames []int
	// First holds, per row, the first frame the path visits in it: OpenAI's
	// jump_times (in frames) and the source of whisper.cpp's t_dtw.
	First []int
}

func newAlignment(rows, cols []int32, nRows int) *Alignment {
	a := &Alignment{
		Rows:   make([]int, len(rows)),
		Frames: make([]int, len(cols)),
		First:  make([]int, nRows),
	}
	for i := range a.First {
		a.First[i] = -1
	}
	for k := range rows {
		r, c := int(rows[k]), int(cols[k])
		a.Rows[k], a.Frames[k] = r, c
		if r >= 0 && r < nRows && a.First[r] < 0 {
			a.First[r] = max(c, 0)
		}
	}
	for i := range a.First { // a DTW path visits every row; keep it total anyway
		if a.First[i] < 0 {
			a.First[i] = 0
			if i > 0 {
				a.First[i] = a.First[i-1]
			}
		}
	}
	return a
}

// TextTokens is the number of text tokens the alignment covers.
func (a *Alignment) TextTokens() int { return len(a.First) - 1 }

// TokenTimes returns whisper.cpp's t_dtw of each text token in centiseconds:
// the first frame of the row where the path moves to the next token, times
// 2, plus seek (the window's start in mel frames = centiseconds). This is
// the frame at which the decoder, fed the token, starts predicting the next
// one: OpenAI's end of the token (and start of the next).
func (a *Alignment) TokenTimes(seek int64) []int64 {
	out := make([]int64, a.TextTokens())
	for k := range out {
		out[k] = int64(a.First[k+1])*2 + seek
	}
	return out
}

// Spans returns OpenAI's per-token start and end in centiseconds:
// token k spans [First[k], First[k+1]] frames (×2, plus seek). The first
// token starts at the path's first frame, 0.
func (a *Alignment) Spans(seek int64) (start, end []int64) {
	n := a.TextTokens()
	start, end = make([]int64, n), make([]int64, n)
	for k := range n {
		start[k] = int64(a.First[k])*2 + seek
		end[k] = int64(a.First[k+1])*2 + seek
	}
	return start, end
}
