package aac

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
)

// bandEnergies returns, for each stretch of 4 blocks of 1024 samples of x,
// the energy in 16 bands of 32 DFT bins each (summed over the blocks'
// spectra), in dB.
func bandEnergies(x []float64) [][16]float64 {
	const n = 1024
	var cosT, sinT [n]float64
	for i := range n {
		cosT[i] = math.Cos(2 * math.Pi * float64(i) / n)
		sinT[i] = math.Sin(2 * math.Pi * float64(i) / n)
	}
	var out [][16]float64
	var bands [16]float64
	for start := 0; start+n <= len(x); start += n {
		blk := x[start : start+n]
		for k := range n / 2 {
			var re, im float64
			for i, v := range blk {
				j := i * k % n
				re += v * cosT[j]
				im -= v * sinT[j]
			}
			bands[k/32] += re*re + im*im
		}
		if start/n%4 == 3 {
			for b := range bands {
				bands[b] = 10 * math.Log10(bands[b]+1e-3)
			}
			out = append(out, bands)
			bands = [16]float64{}
		}
	}
	return out
}

// TestPNSBandEnergy checks the noise-substituted fixtures by band energy,
// with a seed other than ffmpeg's, so that the noise differs from the
// reference sample by sample: every stretch of 4096 samples and 1/16 of
// the band must carry the reference's energy within the bound, wherever
// the reference is within 50 dB of its loudest band.
func TestPNSBandEnergy(t *testing.T) {
	const maxDiffDB = 2.0
	for _, f := range []struct {
		name     string
		channels int
	}{{"mono44k-pns.aac", 1}, {"stereo44k-pns-ms.aac", 2}} {
		blocks, h := splitADTS(t, audiotest.ReadFixture(t, f.name))
		dec, err := NewDecoder(adtsHeader{objectType: 2, samplingIndex: h.samplingIndex, channelConfig: h.channelConfig}.config())
		if err != nil {
			t.Fatal(err)
		}
		dec.noise = 12345
		got := make([][]float32, f.channels)
		for _, blk := range blocks {
			out, err := dec.Decode(blk)
			if err != nil {
				t.Fatal(err)
			}
			for c := range got {
				got[c] = append(got[c], out[c]...)
			}
		}
		ref := audiotest.ReadRef(t, filepath.Join("testdata", f.name+".s16le.gz"), f.channels)
		q := audiotest.Quantize(got, 16)
		for c := range f.channels {
			snr := audiotest.SNR(ref.Channel(c), q[c])
			if snr > 40 {
				t.Errorf("%s channel %d: SNR %.1f dB with another seed: the fixture does not exercise PNS", f.name, c, snr)
			}
			toF := func(s []int32) []float64 {
				o := make([]float64, len(s))
				for i, v := range s {
					o[i] = float64(v)
				}
				return o
			}
			re, ge := bandEnergies(toF(ref.Channel(c))), bandEnergies(toF(q[c]))
			peak := math.Inf(-1)
			for _, b := range re {
				for _, e := range b {
					peak = max(peak, e)
				}
			}
			worst, n := 0.0, 0
			for i := range re {
				for b := range re[i] {
					if re[i][b] < peak-50 {
						continue
					}
					n++
					worst = max(worst, math.Abs(re[i][b]-ge[i][b]))
				}
			}
			t.Logf("%s channel %d: SNR %.1f dB (other seed); band energy within %.2f dB over %d bands", f.name, c, snr, worst, n)
			if worst > maxDiffDB {
				t.Errorf("%s channel %d: band energy off by %.2f dB, want ≤ %.1f", f.name, c, worst, maxDiffDB)
			}
		}
	}
}
