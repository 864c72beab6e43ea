package celt

import "math"

// The one CELT mode Opus uses: 48 kHz, 960-sample frames, 120-sample
// overlap, 21 bands (libopus celt/modes.c, static_modes_float.h).
const (
	nbEBands             = 21
	effEBands            = 21
	overlap              = 120
	maxLM                = 3
	shortMdctSize        = 120
	nbAllocVectors       = 11
	mdctSize             = 1920 // the longest MDCT, 2*960
	maxPeriod            = 1024
	decodeBufSize        = 2048
	lpcOrder             = 24
	bitRes               = 3
	maxFineBits          = 8
	fineOffset           = 21
	qthetaOffset         = 4
	qthetaOffsetTwoPhase = 16
	combFilterMinPeriod  = 15
	logMaxPseudo         = 6
)

// Spreading decisions.
const (
	spreadNone       = 0
	spreadLight      = 1
	spreadNormal     = 2
	spreadAggressive = 3
)

// eBands are the band edges in units of 2.5 ms MDCT bins (eband5ms).
var eBands = [nbEBands + 1]int16{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 34, 40, 48, 60, 78, 100}

// bandAllocation is the allocation table of RFC 6716 section 4.3.3, in
// 1/32 bit per sample.
var bandAllocation = [nbAllocVectors * nbEBands]uint8{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	90, 80, 75, 69, 63, 56, 49, 40, 34, 29, 20, 18, 10, 0, 0, 0, 0, 0, 0, 0, 0,
	110, 100, 90, 84, 78, 71, 65, 58, 51, 45, 39, 32, 26, 20, 12, 0, 0, 0, 0, 0, 0,
	118, 110, 103, 93, 86, 80, 75, 70, 65, 59, 53, 47, 40, 31, 23, 15, 4, 0, 0, 0, 0,
	126, 119, 112, 104, 95, 89, 83, 78, 72, 66, 60, 54, 47, 39, 32, 25, 17, 12, 1, 0, 0,
	134, 127, 120, 114, 103, 97, 91, 85, 78, 72, 66, 60, 54, 47, 41, 35, 29, 23, 16, 10, 1,
	144, 137, 130, 124, 113, 107, 101, 95, 88, 82, 76, 70, 64, 57, 51, 45, 39, 33, 26, 15, 1,
	152, 145, 138, 132, 123, 117, 111, 105, 98, 92, 86, 80, 74, 67, 61, 55, 49, 43, 36, 20, 1,
	162, 155, 148, 142, 133, 127, 121, 115, 108, 102, 96, 90, 84, 77, 71, 65, 59, 53, 46, 30, 1,
	172, 165, 158, 152, 143, 137, 131, 125, 118, 112, 106, 100, 94, 87, 81, 75, 69, 63, 56, 45, 20,
	200, 200, 200, 200, 200, 200, 200, 200, 198, 193, 188, 183, 178, 173, 168, 163, 158, 153, 148, 129, 104,
}

// eMeans is the mean energy of each band, in Q4 converted to float.
var eMeans = [25]float32{
	6.437500, 6.250000, 5.750000, 5.312500, 5.062500,
	4.812500, 4.500000, 4.375000, 4.875000, 4.687500,
	4.562500, 4.437500, 4.875000, 4.625000, 4.312500,
	4.500000, 4.375000, 4.625000, 4.750000, 4.437500,
	3.750000, 3.750000, 3.750000, 3.750000, 3.750000,
}

// preemph0 is the de-emphasis filter coefficient.
const preemph0 = float32(0.85000610)

// tfSelectTable is indexed by LM and 4*isTransient + 2*tfSelect + flag.
var tfSelectTable = [4][8]int8{
	{0, -1, 0, -1, 0, -1, 0, -1},
	{0, -1, 0, -2, 1, 0, 1, -1},
	{0, -2, 0, -3, 2, 0, 1, -1},
	{0, -2, 0, -3, 3, 0, 1, -1},
}

var (
	trimICDF   = [11]uint8{126, 124, 119, 109, 87, 41, 19, 9, 4, 2, 0}
	spreadICDF = [4]uint8{25, 23, 2, 0}
	tapsetICDF = [3]uint8{2, 1, 0}
)

// log2FracTable is LOG2_FRAC_TABLE of rate.c.
var log2FracTable = [24]uint8{
	0,
	8, 13,
	16, 19, 21, 23,
	24, 26, 27, 28, 29, 30, 31, 32,
	32, 33, 34, 34, 35, 36, 36, 37, 37,
}

// Window returns the MDCT window of the 2.5 ms overlap, which the Opus
// layer also uses to cross-fade between modes.
func Window() *[overlap]float32 { return &window }

// piF is libopus's PI, a float constant.
const piF = float32(3.141592653)

// cosNorm is celt_cos_norm in float: cos(π/2·x).
func cosNorm(x float32) float32 { return float32(math.Cos(float64(0.5 * piF * x))) }
