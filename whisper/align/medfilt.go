package align

// median writes (or, with add, adds) to dst the running median of src over a window of
// width w (odd), reflect-padding the edges without repeating the edge sample
// (numpy/torch "reflect": index -k reads k, index n-1+k reads n-1-k), as
// whisper.cpp's median_filter and OpenAI's timing.median_filter do. When
// len(src) <= w/2 the input is copied unchanged, as OpenAI does (reflect
// padding needs more samples than the pad; whisper.cpp asserts w < len).
// win is scratch of length >= w. dst and src must not overlap.
func median(dst, src []float32, w int, win []float32, add bool) {
	n := len(src)
	pad := w / 2
	if w <= 1 || n <= pad {
		if !add {
			copy(dst, src)
			return
		}
		for i, v := range src {
			dst[i] += v
		}
		return
	}
	win = win[:w]
	for k := range n {
		for off := -pad; off <= pad; off++ {
			idx := k + off
			if idx < 0 {
				idx = -idx
			} else if idx >= n {
				idx = 2*(n-1) - idx
			}
			// insertion sort while filling
			v := src[idx]
			m := off + pad
			for m > 0 && win[m-1] > v {
				win[m] = win[m-1]
				m--
			}
			win[m] = v
		}
		if add {
			dst[k] += win[pad]
		} else {
			dst[k] = win[pad]
		}
	}
}

// MedianFilter returns the median filter of x with width w (odd, positive)
// and reflect padding; see the package documentation for the edge rules.
func MedianFilter(x []float32, w int) ([]float32, error) {
	if err := WithMedianWidth(w)(&config{}); err != nil {
		return nil, err
	}
	out := make([]float32, len(x))
	median(out, x, w, make([]float32, w), false)
	return out, nil
}
