package opus

import (
	"fmt"
	"math"

	"github.com/xdna-worker/xdna-worker/audio/opus/internal/celt"
	"github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"
	"github.com/xdna-worker/xdna-worker/audio/opus/internal/silk"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// Frame durations in samples at 48 kHz: 20, 10, 5 and 2.5 ms.
const (
	f20  = 960
	f10  = 480
	f5   = 240
	f2p5 = 120
)

// streamDecoder decodes one elementary Opus stream of one or two channels
// (libopus src/opus_decoder.c, OpusDecoder, at 48 kHz).
type streamDecoder struct {
	channels   int
	decodeGain int // Q8 dB
	silk       silk.Decoder
	silkCtl    silk.Control
	celt       *celt.Decoder
	rd         rangecoding.Decoder

	// State cleared by reset.
	streamChannels int
	bandwidth      int
	mode           int
	prevMode       int
	frameSize      int
	prevRedundancy bool
	rangeFinal     uint32
	softclipMem    [2]float32

	stats decodeStats
	depth int // of the recursion of decodeFrame into concealment
	*scratch
}

// scratch holds the work buffers the streams of one Decoder share: they
// keep nothing between packets, and the streams decode one after another.
type scratch struct {
	pcmSilk    [MaxPacketSamples * 2]int16
	transition [2][f5 * 2]float32 // one per recursion depth
	redundant  [f5 * 2]float32
	celt       celt.Scratch
}

func newStreamDecoder(channels int, gain int, s *scratch) *streamDecoder {
	st := &streamDecoder{channels: channels, decodeGain: gain, celt: celt.NewDecoder(channels, &s.celt), scratch: s}
	st.silkCtl.APISampleRate = 48000
	st.silkCtl.ChannelsAPI = channels
	st.reset()
	return st
}

// decodeStats counts what a stream decoder has met, for tests.
type decodeStats struct {
	frames      [3]int // SILK, Hybrid, CELT frames decoded
	concealed   int    // frames concealed (lost, DTX or transition)
	transitions int    // mode transitions smoothed without redundancy
	celtToSilk  int    // redundant CELT frames before SILK
	silkToCelt  int    // redundant CELT frames before CELT
}

// reset is OPUS_RESET_STATE.
func (st *streamDecoder) reset() {
	st.bandwidth, st.mode, st.prevMode = 0, 0, 0
	st.prevRedundancy = false
	st.rangeFinal = 0
	st.softclipMem = [2]float32{}
	st.celt.Reset()
	st.silk.Reset()
	st.streamChannels = st.channels
	st.frameSize = 48000 / 400
}

// smoothFade cross-fades in1 into in2 over n samples with the squared
// CELT window (smooth_fade).
func smoothFade(in1, in2, out []float32, n, channels int) {
	w := celt.Window()
	for c := 0; c < channels; c++ {
		for i := 0; i < n; i++ {
			g := float32(w[i] * w[i])
			out[i*channels+c] = float32(g*in2[i*channels+c]) + float32((1-g)*in1[i*channels+c])
		}
	}
}

// silenceFrame is the CELT frame libopus decodes to fade out the CELT layer
// when Hybrid gives way to SILK.
var silenceFrame = [2]byte{0xFF, 0xFF}

// decodeFrame decodes one frame, or conceals a lost one when data holds at
// most one byte, into pcm (interleaved) and returns its samples per
// channel (opus_decode_frame).
func (st *streamDecoder) decodeFrame(data []byte, pcmOut []float32, frameSize int) (int, error) {
	ch := st.channels
	if frameSize < f2p5 {
		return 0, fmt.Errorf("opus: frame of %d samples: %w", frameSize, pcm.ErrMalformed)
	}
	frameSize = min(frameSize, MaxPacketSamples)
	if len(data) <= 1 {
		data = nil
		frameSize = min(frameSize, st.frameSize)
	}
	var audiosize, mode, bandwidth int
	var rd *rangecoding.Decoder
	if data != nil {
		audiosize = st.frameSize
		mode = st.mode
		bandwidth = st.bandwidth
		rd = &st.rd
		rd.Init(data)
	} else {
		audiosize = frameSize
		mode = st.prevMode
		bandwidth = 0
		if mode == 0 {
			// Nothing decoded yet: silence.
			clear(pcmOut[:audiosize*ch])
			return audiosize, nil
		}
		// Conceal at most 20 ms at a time, in the sizes the PLCs know.
		if audiosize > f20 {
			out := pcmOut
			for audiosize > 0 {
				n, err := st.decodeFrame(nil, out, min(audiosize, f20))
				if err != nil {
					return 0, err
				}
				out = out[n*ch:]
				audiosize -= n
			}
			return frameSize, nil
		} else if audiosize < f20 {
			if audiosize > f10 {
				audiosize = f10
			} else if mode != modeSILK && audiosize > f5 && audiosize < f10 {
				audiosize = f5
			}
		}
	}

	if data == nil {
		st.stats.concealed++
	} else {
		st.stats.frames[mode-modeSILK]++
	}
	transition := false
	if data != nil && st.prevMode > 0 &&
		((mode == modeCELT && st.prevMode != modeCELT && !st.prevRedundancy) ||
			(mode != modeCELT && st.prevMode == modeCELT)) {
		transition = true
	}
	if st.depth >= len(st.transition) {
		return 0, fmt.Errorf("opus: mode transitions nested too deep: %w", pcm.ErrMalformed)
	}
	pcmTransition := st.transition[st.depth][:]
	if transition && mode == modeCELT {
		st.depth++
		_, err := st.decodeFrame(nil, pcmTransition, min(f5, audiosize))
		st.depth--
		if err != nil {
			return 0, err
		}
	}
	if audiosize > frameSize {
		return 0, fmt.Errorf("opus: frame of %d samples in a buffer of %d: %w", audiosize, frameSize, pcm.ErrMalformed)
	}
	frameSize = audiosize

	// SILK.
	if mode != modeCELT {
		if st.prevMode == modeCELT {
			st.silk.Reset()
		}
		ctl := &st.silkCtl
		ctl.PayloadSizeMs = max(10, 1000*audiosize/48000)
		if data != nil {
			ctl.ChannelsInternal = st.streamChannels
			if mode == modeSILK {
				switch bandwidth {
				case bandwidthNarrow:
					ctl.InternalSampleRate = 8000
				case bandwidthMedium:
					ctl.InternalSampleRate = 12000
				default:
					ctl.InternalSampleRate = 16000
				}
			} else {
				ctl.InternalSampleRate = 16000
			}
		}
		lost := data == nil
		decoded := 0
		out := st.pcmSilk[:]
		first := true
		for decoded < frameSize {
			if len(out) < silk.MaxOutput {
				return 0, fmt.Errorf("opus: SILK output overflow: %w", pcm.ErrMalformed)
			}
			n, err := st.silk.Decode(ctl, lost, first, rd, out)
			first = false
			if err != nil {
				if !lost {
					return 0, fmt.Errorf("opus: SILK: %v: %w", err, pcm.ErrMalformed)
				}
				// A failed concealment is not fatal.
				n = frameSize
				clear(out[:n*ch])
			}
			if n <= 0 {
				return 0, fmt.Errorf("opus: SILK decoded nothing: %w", pcm.ErrMalformed)
			}
			out = out[n*ch:]
			decoded += n
		}
	}

	startBand := 0
	redundancy := false
	celtToSilk := false
	redundancyBytes := 0
	length := len(data)
	if mode != modeCELT && data != nil {
		hybridBits := 0
		if st.mode == modeHybrid {
			hybridBits = 20
		}
		if rd.Tell()+17+hybridBits <= 8*length {
			if mode == modeHybrid {
				redundancy = rd.BitLogp(12)
			} else {
				redundancy = true
			}
			if redundancy {
				celtToSilk = rd.BitLogp(1)
				if mode == modeHybrid {
					redundancyBytes = int(rd.Uint(256)) + 2
				} else {
					redundancyBytes = length - ((rd.Tell() + 7) >> 3)
				}
				length -= redundancyBytes
				if length*8 < rd.Tell() {
					// Not normative: the packet is invalid.
					length = 0
					redundancyBytes = 0
					redundancy = false
				}
				rd.Shrink(uint32(redundancyBytes))
			}
		}
	}
	if mode != modeCELT {
		startBand = 17
	}
	if redundancy {
		transition = false
	}
	if transition && mode != modeCELT {
		st.depth++
		_, err := st.decodeFrame(nil, pcmTransition, min(f5, audiosize))
		st.depth--
		if err != nil {
			return 0, err
		}
	}

	if bandwidth != 0 {
		endBand := 21
		switch bandwidth {
		case bandwidthNarrow:
			endBand = 13
		case bandwidthMedium, bandwidthWide:
			endBand = 17
		case bandwidthSuperWide:
			endBand = 19
		}
		st.celt.SetEndBand(endBand)
	}
	st.celt.SetStreamChannels(st.streamChannels)

	var redundantRng uint32
	redundant := st.redundant[:f5*ch]
	var redundantData []byte
	if redundancy {
		redundantData = data[length : length+redundancyBytes]
	}
	if redundancy && celtToSilk {
		st.celt.SetStartBand(0)
		// libopus ignores the result of the redundant frame.
		_, _ = st.celt.Decode(redundantData, nil, redundant, f5)
		redundantRng = st.celt.FinalRange()
	}
	st.celt.SetStartBand(startBand)

	var celtErr error
	if mode != modeSILK {
		celtFrameSize := min(f20, frameSize)
		if mode != st.prevMode && st.prevMode > 0 && !st.prevRedundancy {
			st.celt.Reset()
		}
		var celtData []byte
		if data != nil {
			celtData = data[:length]
		}
		// libopus finishes the frame, then reports the error.
		if _, err := st.celt.Decode(celtData, rd, pcmOut, celtFrameSize); err != nil {
			celtErr = fmt.Errorf("opus: CELT: %v: %w", err, pcm.ErrMalformed)
		}
	} else {
		clear(pcmOut[:frameSize*ch])
		// For Hybrid to SILK transitions, let the CELT MDCT fade out by
		// decoding a silence frame.
		if st.prevMode == modeHybrid && !(redundancy && celtToSilk && st.prevRedundancy) {
			st.celt.SetStartBand(0)
			_, _ = st.celt.Decode(silenceFrame[:], nil, pcmOut, f2p5)
		}
	}

	if mode != modeCELT {
		for i, v := range st.pcmSilk[:frameSize*ch] {
			pcmOut[i] = pcmOut[i] + float32((1.0/32768)*float32(v))
		}
	}

	if redundancy && !celtToSilk {
		st.celt.Reset()
		st.celt.SetStartBand(0)
		_, _ = st.celt.Decode(redundantData, nil, redundant, f5)
		redundantRng = st.celt.FinalRange()
		off := ch * (frameSize - f2p5)
		smoothFade(pcmOut[off:], redundant[ch*f2p5:], pcmOut[off:], f2p5, ch)
	}
	if redundancy && celtToSilk {
		copy(pcmOut[:f2p5*ch], redundant[:f2p5*ch])
		smoothFade(redundant[ch*f2p5:], pcmOut[ch*f2p5:], pcmOut[ch*f2p5:], f2p5, ch)
	}
	if redundancy {
		if celtToSilk {
			st.stats.celtToSilk++
		} else {
			st.stats.silkToCelt++
		}
	}
	if transition {
		st.stats.transitions++
		if audiosize >= f5 {
			copy(pcmOut[:f2p5*ch], pcmTransition[:f2p5*ch])
			smoothFade(pcmTransition[ch*f2p5:], pcmOut[ch*f2p5:], pcmOut[ch*f2p5:], f2p5, ch)
		} else {
			// Not enough time for a clean transition; do it anyway.
			smoothFade(pcmTransition, pcmOut, pcmOut, f2p5, ch)
		}
	}

	if st.decodeGain != 0 {
		gain := float32(math.Exp(0.6931471805599453094 * float64(float32(6.48814081e-4)*float32(st.decodeGain))))
		for i := range pcmOut[:frameSize*ch] {
			pcmOut[i] *= gain
		}
	}

	if length <= 1 {
		st.rangeFinal = 0
	} else {
		st.rangeFinal = rd.Range() ^ redundantRng
	}
	st.prevMode = mode
	st.prevRedundancy = redundancy && !celtToSilk
	if celtErr != nil {
		return 0, celtErr
	}
	return audiosize, nil
}

// decode decodes a packet into pcmOut and returns the samples per channel
// and the bytes the packet took, padding included (opus_decode_native).
// Packets of all but the last stream of a multistream packet are
// self-delimited.
func (st *streamDecoder) decode(data []byte, pcmOut []float32, frameSize int, selfDelimited bool) (int, int, error) {
	var p parsedPacket
	if err := parsePacket(data, selfDelimited, &p); err != nil {
		return 0, 0, err
	}
	packetFrameSize := tocFrameSamples(p.toc)
	if p.count*packetFrameSize > frameSize {
		return 0, 0, invalidPacket("packet of %d samples in a buffer of %d", p.count*packetFrameSize, frameSize)
	}
	st.mode = tocMode(p.toc)
	st.bandwidth = tocBandwidth(p.toc)
	st.frameSize = packetFrameSize
	st.streamChannels = tocChannels(p.toc)
	n := 0
	for i := 0; i < p.count; i++ {
		ret, err := st.decodeFrame(p.frames[i], pcmOut[n*st.channels:], frameSize-n)
		if err != nil {
			return 0, 0, err
		}
		n += ret
	}
	softClip(pcmOut, n, st.channels, &st.softclipMem)
	return n, p.length, nil
}
