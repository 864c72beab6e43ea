// Package silk is the SILK layer of the Opus decoder (RFC 6716 section
// 4.2), a port of libopus 1.3.1's fixed-point SILK decoder: it is
// bit-exact with it.
package silk

import (
	"errors"

	"github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"
)

// MaxOutput is the largest number of samples Decode writes: one 20 ms
// frame of two channels at 48 kHz.
const MaxOutput = 2 * 960

// ErrConfig is returned for a sample rate, channel count or frame
// duration SILK does not have.
var ErrConfig = errors.New("silk: invalid decoder configuration")

// Control sets up one call of Decode (silk_DecControlStruct).
type Control struct {
	// ChannelsAPI is the number of output channels, 1 or 2.
	ChannelsAPI int
	// ChannelsInternal is the number of coded channels, 1 or 2.
	ChannelsInternal int
	// APISampleRate is the output rate in Hz (8000 to 48000).
	APISampleRate int
	// InternalSampleRate is the coded rate: 8000, 12000 or 16000 Hz.
	InternalSampleRate int
	// PayloadSizeMs is the duration of the Opus frame: 10, 20, 40 or 60.
	PayloadSizeMs int
}

// Decoder decodes the SILK frames of one Opus stream, keeping the state
// between them. The zero value must be Reset before use.
type Decoder struct {
	ch                   [2]channelState
	stereo               stereoState
	nChannelsAPI         int
	nChannelsInternal    int
	prevDecodeOnlyMiddle bool
	lbrrSkipped          int

	out1    [2][maxFrameLength + 2]int16
	pulses  [maxFrameLength + shellFrameLength]int16
	resOut  [MaxOutput / 2]int16
	control control
}

// Reset puts the decoder in its initial state (silk_InitDecoder).
func (d *Decoder) Reset() {
	for i := range d.ch {
		d.ch[i].init()
	}
	d.stereo = stereoState{}
	d.prevDecodeOnlyMiddle = false
	d.nChannelsAPI = 0
	d.nChannelsInternal = 0
}

// LBRRSkipped is the number of LBRR (in-band FEC) frames read and skipped
// so far, for tests.
func (d *Decoder) LBRRSkipped() int { return d.lbrrSkipped }

// Decode decodes one SILK frame (10 or 20 ms) of the Opus frame whose
// first call has newPacket set, or conceals a lost one, and writes it to
// out, interleaved, at the API rate. It returns the number of samples per
// channel (silk_Decode).
func (d *Decoder) Decode(ctl *Control, lost, newPacket bool, rd *rangecoding.Decoder, out []int16) (int, error) {
	if ctl.ChannelsInternal != 1 && ctl.ChannelsInternal != 2 || ctl.ChannelsAPI != 1 && ctl.ChannelsAPI != 2 {
		return 0, ErrConfig
	}
	if ctl.APISampleRate > 48000 || ctl.APISampleRate < 8000 {
		return 0, ErrConfig
	}
	ch := &d.ch
	lostFlag := flagDecodeNormal
	if lost {
		lostFlag = flagPacketLost
	}
	if newPacket {
		for n := 0; n < ctl.ChannelsInternal; n++ {
			ch[n].nFramesDecoded = 0
		}
	}
	// Mono to stereo transition: initialize the side channel.
	if ctl.ChannelsInternal > d.nChannelsInternal {
		ch[1].init()
	}
	stereoToMono := ctl.ChannelsInternal == 1 && d.nChannelsInternal == 2 &&
		ctl.InternalSampleRate == 1000*ch[0].fsKHz

	if ch[0].nFramesDecoded == 0 {
		for n := 0; n < ctl.ChannelsInternal; n++ {
			switch ctl.PayloadSizeMs {
			case 0, 10:
				ch[n].nFramesPerPacket, ch[n].nbSubfr = 1, 2
			case 20:
				ch[n].nFramesPerPacket, ch[n].nbSubfr = 1, 4
			case 40:
				ch[n].nFramesPerPacket, ch[n].nbSubfr = 2, 4
			case 60:
				ch[n].nFramesPerPacket, ch[n].nbSubfr = 3, 4
			default:
				return 0, ErrConfig
			}
			fsKHz := ctl.InternalSampleRate>>10 + 1
			if fsKHz != 8 && fsKHz != 12 && fsKHz != 16 {
				return 0, ErrConfig
			}
			ch[n].setFs(fsKHz, ctl.APISampleRate)
		}
	}

	if ctl.ChannelsAPI == 2 && ctl.ChannelsInternal == 2 && (d.nChannelsAPI == 1 || d.nChannelsInternal == 1) {
		d.stereo.predPrevQ13 = [2]int16{}
		d.stereo.sSide = [2]int16{}
		ch[1].resampler = ch[0].resampler
	}
	d.nChannelsAPI = ctl.ChannelsAPI
	d.nChannelsInternal = ctl.ChannelsInternal

	var msPredQ13 [2]int32
	decodeOnlyMiddle := false
	if lostFlag != flagPacketLost && ch[0].nFramesDecoded == 0 {
		// First call for this packet: VAD and LBRR flags.
		for n := 0; n < ctl.ChannelsInternal; n++ {
			for i := 0; i < ch[n].nFramesPerPacket; i++ {
				ch[n].vadFlags[i] = rd.BitLogp(1)
			}
			ch[n].lbrrFlag = rd.BitLogp(1)
		}
		for n := 0; n < ctl.ChannelsInternal; n++ {
			ch[n].lbrrFlags = [maxFramesPerPacket]bool{}
			if ch[n].lbrrFlag {
				if ch[n].nFramesPerPacket == 1 {
					ch[n].lbrrFlags[0] = true
				} else {
					icdf := lbrrFlags2ICDF[:]
					if ch[n].nFramesPerPacket == 3 {
						icdf = lbrrFlags3ICDF[:]
					}
					sym := rd.ICDF(icdf, 8) + 1
					for i := 0; i < ch[n].nFramesPerPacket; i++ {
						ch[n].lbrrFlags[i] = (sym>>uint(i))&1 != 0
					}
				}
			}
		}
		if lostFlag == flagDecodeNormal {
			// Skip the LBRR (in-band FEC) frames.
			for i := 0; i < ch[0].nFramesPerPacket; i++ {
				for n := 0; n < ctl.ChannelsInternal; n++ {
					if !ch[n].lbrrFlags[i] {
						continue
					}
					if ctl.ChannelsInternal == 2 && n == 0 {
						stereoDecodePred(rd, &msPredQ13)
						if !ch[1].lbrrFlags[i] {
							decodeOnlyMiddle = rd.ICDF(stereoOnlyCodeMidICDF[:], 8) != 0
						}
					}
					condCoding := codeIndependently
					if i > 0 && ch[n].lbrrFlags[i-1] {
						condCoding = codeConditionally
					}
					ch[n].decodeIndices(rd, i, true, condCoding)
					decodePulses(rd, d.pulses[:], int(ch[n].indices.signalType), int(ch[n].indices.quantOffsetType), ch[n].frameLength)
					d.lbrrSkipped++
				}
			}
		}
	}

	if ctl.ChannelsInternal == 2 {
		if lostFlag == flagDecodeNormal {
			stereoDecodePred(rd, &msPredQ13)
			if !ch[1].vadFlags[ch[0].nFramesDecoded] {
				decodeOnlyMiddle = rd.ICDF(stereoOnlyCodeMidICDF[:], 8) != 0
			} else {
				decodeOnlyMiddle = false
			}
		} else {
			msPredQ13[0] = int32(d.stereo.predPrevQ13[0])
			msPredQ13[1] = int32(d.stereo.predPrevQ13[1])
		}
	}

	// Reset the side channel's prediction memory for the first frame with
	// side coding.
	if ctl.ChannelsInternal == 2 && !decodeOnlyMiddle && d.prevDecodeOnlyMiddle {
		s := &ch[1]
		s.outBuf = [len(s.outBuf)]int16{}
		s.sLPCQ14Buf = [maxLPCOrder]int32{}
		s.lagPrev = 100
		s.lastGainIndex = 10
		s.prevSignalType = typeNoVoiceActivity
		s.firstFrameAfterReset = true
	}

	var hasSide bool
	if lostFlag == flagDecodeNormal {
		hasSide = !decodeOnlyMiddle
	} else {
		hasSide = !d.prevDecodeOnlyMiddle
	}

	nSamplesOutDec := 0
	for n := 0; n < ctl.ChannelsInternal; n++ {
		if n == 0 || hasSide {
			frameIndex := ch[0].nFramesDecoded - n
			var condCoding int
			switch {
			case frameIndex <= 0:
				condCoding = codeIndependently
			case n > 0 && d.prevDecodeOnlyMiddle:
				// A skipped side frame leaves the LTP state well defined.
				condCoding = codeIndependentlyNoLTPScaling
			default:
				condCoding = codeConditionally
			}
			nSamplesOutDec = d.decodeFrame(&ch[n], rd, d.out1[n][2:], lostFlag, condCoding)
		} else {
			clear(d.out1[n][2 : 2+nSamplesOutDec])
		}
		ch[n].nFramesDecoded++
	}

	if ctl.ChannelsAPI == 2 && ctl.ChannelsInternal == 2 {
		d.stereo.msToLR(d.out1[0][:], d.out1[1][:], &msPredQ13, ch[0].fsKHz, nSamplesOutDec)
	} else {
		copy(d.out1[0][:2], d.stereo.sMid[:])
		copy(d.stereo.sMid[:], d.out1[0][nSamplesOutDec:nSamplesOutDec+2])
	}

	nSamplesOut := nSamplesOutDec * ctl.APISampleRate / (ch[0].fsKHz * 1000)
	if len(out) < nSamplesOut*ctl.ChannelsAPI {
		return 0, ErrConfig
	}
	res := d.resOut[:nSamplesOut]
	for n := 0; n < min(ctl.ChannelsAPI, ctl.ChannelsInternal); n++ {
		ch[n].resampler.resample(res, d.out1[n][1:1+nSamplesOutDec])
		if ctl.ChannelsAPI == 2 {
			for i, v := range res {
				out[n+2*i] = v
			}
		} else {
			copy(out, res)
		}
	}
	if ctl.ChannelsAPI == 2 && ctl.ChannelsInternal == 1 {
		if stereoToMono {
			// Resample the right channel too, in case we were not
			// collapsing when switching to mono.
			ch[1].resampler.resample(res, d.out1[0][1:1+nSamplesOutDec])
			for i, v := range res {
				out[1+2*i] = v
			}
		} else {
			for i := 0; i < nSamplesOut; i++ {
				out[1+2*i] = out[2*i]
			}
		}
	}

	if lostFlag == flagPacketLost {
		// Remove the gain clamping so the energy does not bounce back.
		for i := 0; i < d.nChannelsInternal; i++ {
			ch[i].lastGainIndex = 10
		}
	} else {
		d.prevDecodeOnlyMiddle = decodeOnlyMiddle
	}
	return nSamplesOut, nil
}

// decodeFrame decodes or conceals one frame of one channel into out
// (silk_decode_frame) and returns its length.
func (d *Decoder) decodeFrame(s *channelState, rd *rangecoding.Decoder, out []int16, lostFlag, condCoding int) int {
	ctl := &d.control
	*ctl = control{}
	l := s.frameLength
	if lostFlag == flagDecodeNormal {
		s.decodeIndices(rd, s.nFramesDecoded, false, condCoding)
		decodePulses(rd, d.pulses[:], int(s.indices.signalType), int(s.indices.quantOffsetType), s.frameLength)
		s.decodeParameters(ctl, condCoding)
		s.decodeCore(ctl, out, d.pulses[:])
		s.runPLC(ctl, out[:l], false)
		s.lossCnt = 0
		s.prevSignalType = int(s.indices.signalType)
		s.firstFrameAfterReset = false
	} else {
		s.indices.signalType = int8(s.prevSignalType)
		s.runPLC(ctl, out[:l], true)
	}

	// Update the output buffer.
	mv := s.ltpMemLength - s.frameLength
	copy(s.outBuf[:mv], s.outBuf[s.frameLength:s.frameLength+mv])
	copy(s.outBuf[mv:], out[:l])

	s.runCNG(ctl, out[:l])
	s.plcGlueFrames(out[:l])
	s.lagPrev = ctl.pitchL[s.nbSubfr-1]
	return l
}
