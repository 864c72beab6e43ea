package pipeline

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/vad"
)

// vadStage is a Transcriber's voice activity detection: the model, the
// segmentation parameters and a pool of detectors (each holds about 1.5 MiB
// of scratch, so jobs reuse them).
type vadStage struct {
	model  *vad.Model
	params vad.Params
	dets   sync.Pool // *vad.Detector
}

// WithVAD gives the transcriber a Silero VAD model and the parameters that
// turn its probabilities into speech segments. A Request with VAD set then
// sends only its speech through the encoder, packed as whisper.cpp's
// whisper_full packs it (each segment plus p.Overlap, 0.1 s of silence
// between segments), and every segment time is mapped back to the original
// audio. Detector options (vad.WithNumerics) configure every detector. A
// nil model leaves the transcriber without VAD.
func WithVAD(m *vad.Model, p vad.Params, opts ...vad.DetectorOption) Option {
	return func(t *Transcriber) {
		if m == nil {
			t.vad = nil
			return
		}
		s := &vadStage{model: m, params: p}
		s.dets.New = func() any { return m.NewDetector(opts...) }
		t.vad = s
	}
}

// HasVAD reports whether the transcriber has a voice-activity model
// (WithVAD), so that requests with VAD set are honoured.
func (t *Transcriber) HasVAD() bool { return t.vad != nil }

// speechOnly runs the detector over the spooled audio (*spool, *samples
// samples) when req asks for VAD and the transcriber has a model, and
// replaces the spool with a new one holding only the speech, packed as
// whisper.cpp does. It returns the mapping from the packed audio's times
// back to the original's (nil when VAD did not run). No speech leaves an
// empty spool (*samples == 0).
func (t *Transcriber) speechOnly(ctx context.Context, req *Request, spool **os.File, samples *int64, tm *Timings) (_ *vadMapping, err error) {
	if !req.VAD || t.vad == nil {
		return nil, nil
	}
	ctx, span := t.startStage(ctx, "vad")
	defer func() { endStage(span, err) }()
	start := time.Now()
	defer func() { tm.VAD += time.Since(start) }()
	req.report(job.Progress{Stage: job.StageVAD, DurationS: float64(*samples) / SampleRate})
	probs, err := t.vad.probabilities(ctx, *spool, *samples)
	if err != nil {
		return nil, err
	}
	segs := vad.Segments(probs, vad.WithParams(t.vad.params))
	pieces, m := packSpeech(segs, *samples, t.vad.params.Overlap)
	out, n, err := t.writeSpeech(ctx, *spool, pieces)
	if err != nil {
		return nil, err
	}
	closeSpool(*spool)
	*spool, *samples = out, n
	return m, nil
}

// probabilities computes the speech probability of every chunk of the n
// spooled samples in one pass, as whisper.cpp's whisper_vad_detect_speech
// does over the whole audio: the LSTM state runs on from chunk to chunk
// (its memory is long: restarting it even 30 s back changes probabilities
// by up to 0.6), so the spool is read in blocks of whole detector batches
// that the detector continues over (vad.Detector.Continue), giving the same
// probabilities as one pass. A 2-hour file costs 128 KiB of samples and its
// probabilities: 4 bytes per 512 samples.
func (s *vadStage) probabilities(ctx context.Context, spool *os.File, n int64) ([]float32, error) {
	det := s.dets.Get().(*vad.Detector)
	defer s.dets.Put(det)
	det.Reset()
	block := make([]float32, vadBlockSamples)
	scratch := make([]byte, 64<<10)
	probs := make([]float32, 0, vad.Chunks(int(n)))
	for off := int64(0); off < n; off += vadBlockSamples {
		k := int(min(n-off, vadBlockSamples))
		if err := readWindow(spool, off, k, block[:k], scratch); err != nil {
			return nil, job.WithCode(job.CodeInternal, err)
		}
		var err error
		if probs, err = det.Continue(ctx, probs, block[:k], off+int64(k) == n); err != nil {
			return nil, fmt.Errorf("voice activity: %w", err)
		}
	}
	return probs, nil
}

// vadBlockSamples is how many samples the detector is given at a time: 64
// chunks, one batch of the detector, so blocks give exactly the
// probabilities of one pass.
const vadBlockSamples = 64 * vad.ChunkSamples

// speechPiece is a stretch [from, to) of the original samples copied into
// the packed audio, followed by silence samples of zeros.
type speechPiece struct {
	from, to int64
	silence  int64
}

// vadSilenceSamples is the silence whisper.cpp puts between two speech
// segments (0.1 s).
const vadSilenceSamples = SampleRate / 10

// packSpeech is the packing of whisper.cpp's whisper_vad: each segment
// (clamped to the audio) extended by overlap except the last, 0.1 s of
// silence after each but the last, and the table that maps the packed
// audio's times (centiseconds) back to the original's.
func packSpeech(segs []vad.Segment, n int64, overlap time.Duration) ([]speechPiece, *vadMapping) {
	if len(segs) == 0 {
		return nil, &vadMapping{}
	}
	overlapSamples := int64(float32(overlap.Seconds()) * SampleRate)
	last := n - 1
	m := &vadMapping{}
	var pieces []speechPiece
	var offset int64
	for i, seg := range segs {
		s, e := seg.Samples()
		start, end := min(int64(s), last), min(int64(e), last)
		origLen := end - start
		if i < len(segs)-1 {
			end = min(end+overlapSamples, last)
		}
		length := end - start
		if length <= 0 {
			continue
		}
		info := vadSegment{
			origStart: centis(seg.Start), origEnd: centis(seg.End),
			vadStart: samplesToCS(offset), vadEnd: samplesToCS(offset + origLen),
		}
		m.segs = append(m.segs, info)
		m.points = append(m.points, timePoint{info.vadStart, info.origStart}, timePoint{info.vadEnd, info.origEnd})
		p := speechPiece{from: start, to: end}
		offset += length
		if i < len(segs)-1 {
			p.silence = vadSilenceSamples
			m.points = append(m.points,
				timePoint{samplesToCS(offset), info.origEnd},
				timePoint{samplesToCS(offset + vadSilenceSamples), centis(segs[i+1].Start)})
			offset += vadSilenceSamples
		}
		pieces = append(pieces, p)
	}
	// Sorted by packed time, the first of equal packed times kept, so that
	// the table can be searched and interpolated.
	sort.SliceStable(m.points, func(i, j int) bool { return m.points[i].processed < m.points[j].processed })
	uniq := m.points[:0]
	for i, p := range m.points {
		if i == 0 || p.processed != uniq[len(uniq)-1].processed {
			uniq = append(uniq, p)
		}
	}
	m.points = uniq
	return pieces, m
}

// writeSpeech copies the pieces of the spool (with their silences) into a
// new unlinked spool and returns it with its length in samples. It returns
// an empty spool (no samples) when there are no pieces.
func (t *Transcriber) writeSpeech(ctx context.Context, spool *os.File, pieces []speechPiece) (*os.File, int64, error) {
	out, err := t.newSpool("vad-")
	if err != nil {
		return nil, 0, err
	}
	zeros := make([]byte, 4*vadSilenceSamples)
	var n int64
	for _, p := range pieces {
		if err := ctx.Err(); err != nil {
			closeSpool(out)
			return nil, 0, err
		}
		if _, err := io.Copy(out, io.NewSectionReader(spool, 4*p.from, 4*(p.to-p.from))); err != nil {
			closeSpool(out)
			return nil, 0, job.WithCode(job.CodeInternal, fmt.Errorf("spool speech: %w", err))
		}
		n += p.to - p.from
		for left := p.silence; left > 0; {
			k := min(left, vadSilenceSamples)
			if _, err := out.Write(zeros[:4*k]); err != nil {
				closeSpool(out)
				return nil, 0, job.WithCode(job.CodeInternal, fmt.Errorf("spool speech: %w", err))
			}
			left -= k
			n += k
		}
	}
	return out, n, nil
}

// newSpool creates an unlinked temporary file for audio samples (named
// like the decode spool, with kind after "pcm-").
func (t *Transcriber) newSpool(kind string) (*os.File, error) {
	prefix := t.spoolPrefix
	if prefix == "" {
		prefix = "xdna-"
	}
	f, err := os.CreateTemp(t.tempDir, prefix+"pcm-"+kind+"*")
	if err != nil {
		return nil, job.WithCode(job.CodeInternal, err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// timePoint maps a time of the packed audio to one of the original, both
// in centiseconds (whisper.cpp's vad_time_mapping).
type timePoint struct{ processed, original int64 }

// vadSegment is one packed speech segment (whisper.cpp's
// vad_segment_info), in centiseconds.
type vadSegment struct{ origStart, origEnd, vadStart, vadEnd int64 }

// vadMapping maps times of the packed speech back to the original audio.
type vadMapping struct {
	points []timePoint
	segs   []vadSegment
}

// original is whisper.cpp's map_processed_to_original_time: the packed
// time t (centiseconds) interpolated linearly between the table's points,
// clamped to its first and last.
func (m *vadMapping) original(t int64) int64 {
	pts := m.points
	if len(pts) == 0 {
		return t
	}
	if t <= pts[0].processed {
		return pts[0].original
	}
	if t >= pts[len(pts)-1].processed {
		return pts[len(pts)-1].original
	}
	i := sort.Search(len(pts), func(i int) bool { return pts[i].processed >= t })
	up := pts[i]
	if up.processed == t {
		return up.original
	}
	lo := pts[i-1]
	return lo.original + (t-lo.processed)*(up.original-lo.original)/(up.processed-lo.processed)
}

// token is whisper.cpp's whisper_map_token_time_segment_aware, used for
// token and word times: a time inside a packed segment is interpolated
// within it, one in the silence between two segments snaps to the nearer
// segment's edge.
func (m *vadMapping) token(t int64) int64 {
	segs := m.segs
	if len(segs) == 0 {
		return t
	}
	if t <= segs[0].vadStart {
		return segs[0].origStart
	}
	if t >= segs[len(segs)-1].vadEnd {
		return segs[len(segs)-1].origEnd
	}
	for i, s := range segs {
		if t >= s.vadStart && t <= s.vadEnd {
			vd, od := s.vadEnd-s.vadStart, s.origEnd-s.origStart
			if vd <= 0 {
				return s.origStart
			}
			return s.origStart + (t-s.vadStart)*od/vd
		}
		if i+1 < len(segs) && t > s.vadEnd && t < segs[i+1].vadStart {
			if t <= (s.vadEnd+segs[i+1].vadStart)/2 {
				return s.origEnd
			}
			return segs[i+1].origStart
		}
	}
	return t
}

// tokenSpan maps a token's (or word's) start and end as whisper.cpp's
// whisper_full_get_token_t0/t1 do: the end at least 1 cs after the start.
func (m *vadMapping) tokenSpan(t0, t1 int64) (int64, int64) {
	o0, o1 := m.token(t0), m.token(t1)
	if o1 < o0+1 {
		o1 = o0 + 1
	}
	return o0, o1
}

// minSegmentCS is whisper.cpp's minimum duration of a mapped segment
// (whisper_full_get_segment_t1: 10 centiseconds).
const minSegmentCS = 10

// mapBack rewrites the segments' times, which are times of the packed
// speech, to times of the original audio as whisper.cpp's
// whisper_full_get_segment_t0/t1 do, and their words' times as
// whisper_full_get_token_t0/t1 do (tokenSpan), clamped to the mapped
// segment. A nil mapping changes nothing.
func (m *vadMapping) mapBack(segs []job.Segment) {
	if m == nil {
		return
	}
	for i := range segs {
		s := &segs[i]
		t0 := m.original(secondsToCS(s.Start))
		t1 := m.original(secondsToCS(s.End))
		if t1-t0 < minSegmentCS {
			t1 = t0 + minSegmentCS
		}
		s.Start, s.End = float64(t0)/100, float64(t1)/100
		for k := range s.Words {
			// Word times map as token times do, kept within the mapped segment.
			wd := &s.Words[k]
			w0, w1 := m.tokenSpan(secondsToCS(wd.Start), secondsToCS(wd.End))
			w0, w1 = min(max(w0, t0), t1), min(max(w1, t0), t1)
			wd.Start, wd.End = float64(w0)/100, float64(max(w0, w1))/100
		}
	}
}

// centis converts a whole-centisecond duration (vad.Segment's) to
// centiseconds.
func centis(d time.Duration) int64 { return int64(d / (10 * time.Millisecond)) }

// secondsToCS rounds seconds to centiseconds.
func secondsToCS(s float64) int64 { return int64(math.Round(s * 100)) }

// samplesToCS is whisper.cpp's samples_to_cs.
func samplesToCS(n int64) int64 { return int64(float64(n)/SampleRate*100 + 0.5) }
