package silk

// Sizes of SILK's buffers (silk/define.h).
const (
	maxFramesPerPacket  = 3
	maxNbSubfr          = 4
	maxFsKHz            = 16
	subFrameLengthMs    = 5
	ltpMemLengthMs      = 20
	maxSubFrameLength   = subFrameLengthMs * maxFsKHz
	maxFrameLength      = maxSubFrameLength * maxNbSubfr
	ltpOrder            = 5
	shellFrameLength    = 16
	maxNbShellBlocks    = maxFrameLength / shellFrameLength
	nRateLevels         = 10
	maxPulses           = 16
	nLevelsQGain        = 64
	minDeltaGainQuant   = -4
	maxDeltaGainQuant   = 36
	quantLevelAdjustQ10 = 80
	bweAfterLossQ16     = 63570
	cngBufMaskMax       = 255
	cngGainSmthQ16      = 4634
	cngNLSFSmthQ16      = 16348
	stereoInterpLenMs   = 8
	peMinLagMs          = 2
	peMaxLagMs          = 18
)

// Signal types.
const (
	typeNoVoiceActivity = 0
	typeUnvoiced        = 1
	typeVoiced          = 2
)

// Conditional coding modes.
const (
	codeIndependently             = 0
	codeIndependentlyNoLTPScaling = 1
	codeConditionally             = 2
)

// Loss flags of Decode.
const (
	flagDecodeNormal = 0
	flagPacketLost   = 1
	flagDecodeLBRR   = 2
)

// sideInfo holds the quantization indices of one frame (SideInfoIndices).
type sideInfo struct {
	gainsIndices    [maxNbSubfr]int8
	ltpIndex        [maxNbSubfr]int8
	nlsfIndices     [maxLPCOrder + 1]int8
	lagIndex        int16
	contourIndex    int8
	signalType      int8
	quantOffsetType int8
	nlsfInterpCoef  int8
	perIndex        int8
	ltpScaleIndex   int8
	seed            int8
}

// plcState is silk_PLC_struct.
type plcState struct {
	pitchLQ8        int32
	ltpCoefQ14      [ltpOrder]int16
	prevLPCQ12      [maxLPCOrder]int16
	lastFrameLost   bool
	randSeed        int32
	randScaleQ14    int16
	concEnergy      int32
	concEnergyShift int32
	prevLTPScaleQ14 int16
	prevGainQ16     [2]int32
	fsKHz           int
	nbSubfr         int
	subfrLength     int
}

// cngState is silk_CNG_struct.
type cngState struct {
	excBufQ14   [maxFrameLength]int32
	smthNLSFQ15 [maxLPCOrder]int16
	synthState  [maxLPCOrder]int32
	smthGainQ16 int32
	randSeed    int32
	fsKHz       int
}

// control is silk_decoder_control: the parameters of one frame.
type control struct {
	pitchL      [maxNbSubfr]int32
	gainsQ16    [maxNbSubfr]int32
	predCoefQ12 [2][maxLPCOrder]int16
	ltpCoefQ14  [ltpOrder * maxNbSubfr]int16
	ltpScaleQ14 int32
}

// channelState is silk_decoder_state: one channel's decoder.
type channelState struct {
	prevGainQ16          int32
	excQ14               [maxFrameLength]int32
	sLPCQ14Buf           [maxLPCOrder]int32
	outBuf               [maxFrameLength + 2*maxSubFrameLength]int16
	lagPrev              int32
	lastGainIndex        int8
	fsKHz                int
	fsAPIHz              int
	nbSubfr              int
	frameLength          int
	subfrLength          int
	ltpMemLength         int
	lpcOrder             int
	prevNLSFQ15          [maxLPCOrder]int16
	firstFrameAfterReset bool
	pitchLagLowBitsICDF  []uint8
	pitchContourICDF     []uint8
	nFramesDecoded       int
	nFramesPerPacket     int
	ecPrevSignalType     int
	ecPrevLagIndex       int16
	vadFlags             [maxFramesPerPacket]bool
	lbrrFlag             bool
	lbrrFlags            [maxFramesPerPacket]bool
	resampler            resampler
	nlsfCB               *nlsfCodebook
	indices              sideInfo
	cng                  cngState
	lossCnt              int
	prevSignalType       int
	plc                  plcState
}

// init resets the channel (silk_init_decoder).
func (s *channelState) init() {
	*s = channelState{}
	s.firstFrameAfterReset = true
	s.prevGainQ16 = 65536
	s.cngReset()
	s.plcReset()
}

// setFs configures the channel for an internal rate of fsKHz and an
// output rate of fsAPIHz (silk_decoder_set_fs).
func (s *channelState) setFs(fsKHz, fsAPIHz int) {
	s.subfrLength = subFrameLengthMs * fsKHz
	frameLength := s.nbSubfr * s.subfrLength
	if s.fsKHz != fsKHz || s.fsAPIHz != fsAPIHz {
		s.resampler.init(fsKHz*1000, fsAPIHz)
		s.fsAPIHz = fsAPIHz
	}
	if s.fsKHz != fsKHz || frameLength != s.frameLength {
		if fsKHz == 8 {
			if s.nbSubfr == maxNbSubfr {
				s.pitchContourICDF = pitchContourNBICDF[:]
			} else {
				s.pitchContourICDF = pitchContour10msNBICDF[:]
			}
		} else {
			if s.nbSubfr == maxNbSubfr {
				s.pitchContourICDF = pitchContourICDF[:]
			} else {
				s.pitchContourICDF = pitchContour10msICDF[:]
			}
		}
		if s.fsKHz != fsKHz {
			s.ltpMemLength = ltpMemLengthMs * fsKHz
			if fsKHz == 8 || fsKHz == 12 {
				s.lpcOrder = minLPCOrder
				s.nlsfCB = &nlsfCodebookNBMB
			} else {
				s.lpcOrder = maxLPCOrder
				s.nlsfCB = &nlsfCodebookWB
			}
			switch fsKHz {
			case 16:
				s.pitchLagLowBitsICDF = uniform8ICDF[:]
			case 12:
				s.pitchLagLowBitsICDF = uniform6ICDF[:]
			default:
				s.pitchLagLowBitsICDF = uniform4ICDF[:]
			}
			s.firstFrameAfterReset = true
			s.lagPrev = 100
			s.lastGainIndex = 10
			s.prevSignalType = typeNoVoiceActivity
			s.outBuf = [len(s.outBuf)]int16{}
			s.sLPCQ14Buf = [maxLPCOrder]int32{}
		}
		s.fsKHz = fsKHz
		s.frameLength = frameLength
	}
}
