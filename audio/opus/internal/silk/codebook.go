package silk

// nlsfCodebook is one of SILK's two NLSF codebooks (silk_NLSF_CB_struct):
// narrow/mediumband (order 10) and wideband (order 16).
type nlsfCodebook struct {
	nVectors           int
	order              int
	quantStepSizeQ16   int32
	invQuantStepSizeQ6 int32
	cb1NLSFQ8          []uint8
	cb1WghtQ9          []int16
	cb1ICDF            []uint8
	predQ8             []uint8
	ecSel              []uint8
	ecICDF             []uint8
	deltaMinQ15        []int16
}

// The codebooks. quantStepSizeQ16 is SILK_FIX_CONST(0.18, 16) and
// SILK_FIX_CONST(0.15, 16); invQuantStepSizeQ6 is 1/step in Q6.
var (
	nlsfCodebookNBMB = nlsfCodebook{
		nVectors:           32,
		order:              10,
		quantStepSizeQ16:   11796, // 0.18 in Q16
		invQuantStepSizeQ6: 356,   // 1/0.18 in Q6
		cb1NLSFQ8:          nlsfCB1NBMBQ8[:],
		cb1WghtQ9:          nlsfCB1NBMBWghtQ9[:],
		cb1ICDF:            nlsfCB1ICDFNBMB[:],
		predQ8:             nlsfPredNBMBQ8[:],
		ecSel:              nlsfCB2SelectNBMB[:],
		ecICDF:             nlsfCB2ICDFNBMB[:],
		deltaMinQ15:        nlsfDeltaMinNBMBQ15[:],
	}
	nlsfCodebookWB = nlsfCodebook{
		nVectors:           32,
		order:              16,
		quantStepSizeQ16:   9830, // 0.15 in Q16
		invQuantStepSizeQ6: 427,  // 1/0.15 in Q6
		cb1NLSFQ8:          nlsfCB1WBQ8[:],
		cb1WghtQ9:          nlsfCB1WBWghtQ9[:],
		cb1ICDF:            nlsfCB1ICDFWB[:],
		predQ8:             nlsfPredWBQ8[:],
		ecSel:              nlsfCB2SelectWB[:],
		ecICDF:             nlsfCB2ICDFWB[:],
		deltaMinQ15:        nlsfDeltaMinWBQ15[:],
	}
)
