package opus

// softClip keeps the n samples of each of the channels of x (interleaved)
// within [-1, 1] with a smooth non-linearity instead of hard clipping,
// continuing the previous packet's curve from mem (opus_pcm_soft_clip).
// libopus applies it whenever it decodes to 16-bit samples, which is what
// ffmpeg asks of it.
func softClip(x []float32, n, channels int, mem *[2]float32) {
	if n < 1 {
		return
	}
	// Fast path: nothing to clip and no curve to continue.
	if mem[0] == 0 && mem[1] == 0 {
		peak := float32(0)
		for _, v := range x[:n*channels] {
			peak = max(peak, v, -v)
		}
		if peak <= 1 {
			return
		}
	}
	for i := range x[:n*channels] {
		x[i] = max(-2, min(2, x[i]))
	}
	for c := 0; c < channels; c++ {
		a := mem[c]
		// Continue the non-linearity of the previous packet.
		for i := 0; i < n; i++ {
			v := x[i*channels+c]
			if v*a >= 0 {
				break
			}
			x[i*channels+c] = v + float32(float32(a*v)*v)
		}
		curr := 0
		x0 := x[c]
		for {
			var i int
			for i = curr; i < n; i++ {
				if v := x[i*channels+c]; v > 1 || v < -1 {
					break
				}
			}
			if i == n {
				a = 0
				break
			}
			peakPos := i
			start, end := i, i
			xi := x[i*channels+c]
			maxval := abs32(xi)
			// The zero crossings around the clipping.
			for start > 0 && xi*x[(start-1)*channels+c] >= 0 {
				start--
			}
			for end < n && xi*x[end*channels+c] >= 0 {
				if v := abs32(x[end*channels+c]); v > maxval {
					maxval = v
					peakPos = end
				}
				end++
			}
			// Clipping before the first zero crossing of the packet.
			special := start == 0 && xi*x[c] >= 0
			// a such that maxval + a*maxval² = 1, boosted by 2^-22.
			a = (maxval - 1) / float32(maxval*maxval)
			a += float32(a * 2.4e-7)
			if xi > 0 {
				a = -a
			}
			for i = start; i < end; i++ {
				v := x[i*channels+c]
				x[i*channels+c] = v + float32(float32(a*v)*v)
			}
			if special && peakPos >= 2 {
				// A linear ramp from the first sample to the peak avoids a
				// discontinuity at the start of the packet.
				offset := x0 - x[c]
				delta := offset / float32(peakPos)
				for i = curr; i < peakPos; i++ {
					offset -= delta
					v := x[i*channels+c] + offset
					x[i*channels+c] = max(-1, min(1, v))
				}
			}
			curr = end
			if curr == n {
				break
			}
		}
		mem[c] = a
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
