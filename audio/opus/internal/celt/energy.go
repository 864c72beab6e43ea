package celt

import "github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"

// Decoding of the band energies (RFC 6716 section 4.3.2; libopus
// celt/quant_bands.c, float build).

// Prediction coefficients of the coarse energy, by LM: 0.9, 0.8, 0.65,
// 0.5; and the inter-band smoothing.
var (
	predCoef  = [4]float32{29440 / 32768., 26112 / 32768., 21248 / 32768., 16384 / 32768.}
	betaCoef  = [4]float32{30147 / 32768., 22282 / 32768., 12124 / 32768., 6554 / 32768.}
	betaIntra = float32(4915 / 32768.)
)

var smallEnergyICDF = [3]uint8{2, 1, 0}

// eProbModel holds the probability of zero and the decay of the Laplace
// model of each band, in Q8, by LM, inter/intra and band.
var eProbModel = [4][2][42]uint8{
	{
		{72, 127, 65, 129, 66, 128, 65, 128, 64, 128, 62, 128, 64, 128, 64, 128, 92, 78, 92, 79, 92, 78, 90, 79, 116, 41, 115, 40, 114, 40, 132, 26, 132, 26, 145, 17, 161, 12, 176, 10, 177, 11},
		{24, 179, 48, 138, 54, 135, 54, 132, 53, 134, 56, 133, 55, 132, 55, 132, 61, 114, 70, 96, 74, 88, 75, 88, 87, 74, 89, 66, 91, 67, 100, 59, 108, 50, 120, 40, 122, 37, 97, 43, 78, 50},
	},
	{
		{83, 78, 84, 81, 88, 75, 86, 74, 87, 71, 90, 73, 93, 74, 93, 74, 109, 40, 114, 36, 117, 34, 117, 34, 143, 17, 145, 18, 146, 19, 162, 12, 165, 10, 178, 7, 189, 6, 190, 8, 177, 9},
		{23, 178, 54, 115, 63, 102, 66, 98, 69, 99, 74, 89, 71, 91, 73, 91, 78, 89, 86, 80, 92, 66, 93, 64, 102, 59, 103, 60, 104, 60, 117, 52, 123, 44, 138, 35, 133, 31, 97, 38, 77, 45},
	},
	{
		{61, 90, 93, 60, 105, 42, 107, 41, 110, 45, 116, 38, 113, 38, 112, 38, 124, 26, 132, 27, 136, 19, 140, 20, 155, 14, 159, 16, 158, 18, 170, 13, 177, 10, 187, 8, 192, 6, 175, 9, 159, 10},
		{21, 178, 59, 110, 71, 86, 75, 85, 84, 83, 91, 66, 88, 73, 87, 72, 92, 75, 98, 72, 105, 58, 107, 54, 115, 52, 114, 55, 112, 56, 129, 51, 132, 40, 150, 33, 140, 29, 98, 35, 77, 42},
	},
	{
		{42, 121, 96, 66, 108, 43, 111, 40, 117, 44, 123, 32, 120, 36, 119, 33, 127, 33, 134, 34, 139, 21, 147, 23, 152, 20, 158, 25, 154, 26, 166, 21, 173, 16, 184, 13, 184, 10, 150, 13, 139, 15},
		{22, 178, 63, 114, 74, 82, 84, 83, 92, 82, 103, 62, 96, 72, 96, 67, 101, 73, 107, 72, 113, 55, 118, 52, 125, 52, 118, 52, 117, 55, 135, 49, 137, 39, 157, 32, 145, 29, 97, 33, 77, 40},
	},
}

// unquantCoarseEnergy decodes the coarse band energies into oldE
// (unquant_coarse_energy).
func unquantCoarseEnergy(start, end int, oldE *[2 * nbEBands]float32, intra bool, rd *rangecoding.Decoder, c, lm int) {
	intraIdx := 0
	var coef, beta float32
	if intra {
		intraIdx = 1
		coef = 0
		beta = betaIntra
	} else {
		beta = betaCoef[lm]
		coef = predCoef[lm]
	}
	probModel := &eProbModel[lm][intraIdx]
	var prev [2]float32
	budget := int(rd.Storage()) * 8
	for i := start; i < end; i++ {
		for ch := 0; ch < c; ch++ {
			tell := rd.Tell()
			var qi int
			switch {
			case budget-tell >= 15:
				pi := 2 * min(i, 20)
				qi = rd.Laplace(uint32(probModel[pi])<<7, int(probModel[pi+1])<<6)
			case budget-tell >= 2:
				qi = rd.ICDF(smallEnergyICDF[:], 2)
				qi = (qi >> 1) ^ -(qi & 1)
			case budget-tell >= 1:
				if rd.BitLogp(1) {
					qi = -1
				}
			default:
				qi = -1
			}
			q := float32(qi)
			e := &oldE[i+ch*nbEBands]
			*e = max(-9, *e)
			tmp := float32(coef**e) + prev[ch] + q
			*e = tmp
			prev[ch] = prev[ch] + q - float32(beta*q)
		}
	}
}

// unquantFineEnergy adds the fine energy bits (unquant_fine_energy).
func unquantFineEnergy(start, end int, oldE *[2 * nbEBands]float32, fineQuant *[nbEBands]int, rd *rangecoding.Decoder, c int) {
	for i := start; i < end; i++ {
		if fineQuant[i] <= 0 {
			continue
		}
		for ch := 0; ch < c; ch++ {
			q2 := rd.Bits(uint(fineQuant[i]))
			offset := float32(float32((float32(q2)+0.5)*float32(int(1)<<(14-fineQuant[i])))*(1.0/16384)) - 0.5
			oldE[i+ch*nbEBands] += offset
		}
	}
}

// unquantEnergyFinalise spends the bits left over on one more fine bit
// per band, by priority (unquant_energy_finalise).
func unquantEnergyFinalise(start, end int, oldE *[2 * nbEBands]float32, fineQuant, finePriority *[nbEBands]int, bitsLeft int, rd *rangecoding.Decoder, c int) {
	for prio := 0; prio < 2; prio++ {
		for i := start; i < end && bitsLeft >= c; i++ {
			if fineQuant[i] >= maxFineBits || finePriority[i] != prio {
				continue
			}
			for ch := 0; ch < c; ch++ {
				q2 := rd.Bits(1)
				offset := float32(float32((float32(q2)-0.5)*float32(int(1)<<(14-fineQuant[i]-1))) * (1.0 / 16384))
				oldE[i+ch*nbEBands] += offset
				bitsLeft--
			}
		}
	}
}
