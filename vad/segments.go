package vad

import (
	"math"
	"time"
)

// Segment is a stretch of speech. Start and End are whole centiseconds, as
// whisper.cpp's whisper_vad_segment keeps them (samples rounded to the
// nearest centisecond).
type Segment struct {
	Start, End time.Duration
}

// Samples returns the segment's bounds as sample offsets at SampleRate, as
// whisper.cpp converts them back (cs_to_samples: rounded to nearest).
func (s Segment) Samples() (start, end int) {
	return csToSamples(int64(s.Start / (10 * time.Millisecond))), csToSamples(int64(s.End / (10 * time.Millisecond)))
}

func csToSamples(cs int64) int { return int(float64(cs)/100.0*SampleRate + 0.5) }

func samplesToCS(n int) int64 { return int64(float64(n)/SampleRate*100.0 + 0.5) }

// span is a segment in samples while Segments works.
type span struct{ start, end int }

// Segments turns per-chunk speech probabilities (one per ChunkSamples
// samples, as Detector.Probabilities returns them) into speech segments,
// porting whisper.cpp's whisper_vad_segments_from_probs step by step:
// hysteresis between Threshold and Threshold − 0.15, segments ended by
// MinSilence of silence, split at MaxSpeech (at a silence of at least 98 ms
// if there was one), segments less than 200 ms apart merged, segments not
// longer than MinSpeech dropped, then SpeechPad added on both sides
// (splitting the gap when two segments are closer than twice the pad).
func Segments(probs []float32, opts ...Option) []Segment {
	p := NewParams(opts...)
	speeches := detect(probs, p)
	speeches = merge(speeches)
	padSamples := SampleRate * ms(p.SpeechPad) / 1000
	minSpeech := SampleRate * ms(p.MinSpeech) / 1000
	kept := speeches[:0]
	for _, s := range speeches {
		if s.end-s.start >= minSpeech {
			kept = append(kept, s)
		}
	}
	return pad(kept, padSamples, len(probs)*ChunkSamples)
}

// detect is the first pass of whisper_vad_segments_from_probs.
func detect(probs []float32, p Params) []span {
	const window = ChunkSamples
	threshold := p.Threshold
	minSilence := SampleRate * ms(p.MinSilence) / 1000
	audioLength := len(probs) * window
	minSpeech := SampleRate * ms(p.MinSpeech) / 1000
	padSamples := SampleRate * ms(p.SpeechPad) / 1000

	var maxSpeech int
	if s := p.maxSpeechSeconds(); s > 100000 {
		maxSpeech = math.MaxInt32 / 2
	} else {
		temp := int64(SampleRate)*int64(s) - window - 2*int64(padSamples)
		if temp > math.MaxInt32 {
			maxSpeech = math.MaxInt32 / 2
		} else {
			maxSpeech = int(temp)
		}
		if maxSpeech < 0 {
			maxSpeech = math.MaxInt32 / 2
		}
	}
	minSilenceAtMaxSpeech := SampleRate * 98 / 1000
	negThreshold := threshold - 0.15
	if negThreshold < 0.01 {
		negThreshold = 0.01
	}

	var speeches []span
	inSpeech, hasCurr := false, false
	tempEnd, prevEnd, nextStart, currStart := 0, 0, 0, 0
	for i, prob := range probs {
		sample := window * i
		if prob >= threshold && tempEnd != 0 {
			tempEnd = 0
			if nextStart < prevEnd {
				nextStart = sample
			}
		}
		if prob >= threshold && !inSpeech {
			inSpeech, hasCurr, currStart = true, true, sample
			continue
		}
		if inSpeech && sample-currStart > maxSpeech {
			if prevEnd != 0 {
				speeches = append(speeches, span{currStart, prevEnd})
				hasCurr = true
				if nextStart < prevEnd {
					inSpeech, hasCurr = false, false
				} else {
					currStart = nextStart
				}
				prevEnd, nextStart, tempEnd = 0, 0, 0
			} else {
				speeches = append(speeches, span{currStart, sample})
				prevEnd, nextStart, tempEnd = 0, 0, 0
				inSpeech, hasCurr = false, false
				continue
			}
		}
		if prob < negThreshold && inSpeech {
			if tempEnd == 0 {
				tempEnd = sample
			}
			if sample-tempEnd > minSilenceAtMaxSpeech {
				prevEnd = tempEnd
			}
			if sample-tempEnd < minSilence {
				continue
			}
			if tempEnd-currStart > minSpeech {
				speeches = append(speeches, span{currStart, tempEnd})
			}
			prevEnd, nextStart, tempEnd = 0, 0, 0
			inSpeech, hasCurr = false, false
			continue
		}
	}
	if hasCurr && audioLength-currStart > minSpeech {
		speeches = append(speeches, span{currStart, audioLength})
	}
	return speeches
}

// merge joins segments less than 200 ms apart, in place.
func merge(s []span) []span {
	const maxGap = SampleRate * 200 / 1000
	if len(s) < 2 {
		return s
	}
	for i := 0; i < len(s)-1; i++ {
		if s[i+1].start-s[i].end < maxGap {
			s[i].end = s[i+1].end
			s = append(s[:i+1], s[i+2:]...)
			i--
		}
	}
	return s
}

// pad adds padSamples around each segment within [0, audioLength] (gaps
// shorter than two pads are split in the middle) and converts to
// centiseconds.
func pad(s []span, padSamples, audioLength int) []Segment {
	if len(s) == 0 {
		return nil
	}
	out := make([]Segment, len(s))
	for i := range s {
		if i == 0 {
			s[i].start = max(s[i].start-padSamples, 0)
		}
		if i < len(s)-1 {
			silence := s[i+1].start - s[i].end
			if silence < 2*padSamples {
				s[i].end += silence / 2
				if s[i+1].start > silence/2 {
					s[i+1].start -= silence / 2
				} else {
					s[i+1].start = 0
				}
			} else {
				s[i].end = min(s[i].end+padSamples, audioLength)
				if s[i+1].start > padSamples {
					s[i+1].start -= padSamples
				} else {
					s[i+1].start = 0
				}
			}
		} else {
			s[i].end = min(s[i].end+padSamples, audioLength)
		}
		out[i] = Segment{
			Start: time.Duration(samplesToCS(s[i].start)) * 10 * time.Millisecond,
			End:   time.Duration(samplesToCS(s[i].end)) * 10 * time.Millisecond,
		}
	}
	return out
}
