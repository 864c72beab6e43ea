package flac

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxFuzzSamples caps the samples one fuzz input may decode, so that a
// few bytes claiming big constant blocks cannot slow the fuzzer down.
const maxFuzzSamples = 1 << 21

// FuzzDecode feeds arbitrary bytes to NewDecoder and Next, with the CRC
// checks on and, to reach the code behind them, off. It checks that
// errors are ErrMalformed or ErrUnsupported, that blocks are well-formed
// and that samples stay in [-1, 1]. The seeds in testdata/fuzz/FuzzDecode
// are tiny streams written by flac (testdata/make.sh); more come from the
// test encoder.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeedStreams() {
		f.Add(s.encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, false)
		fuzzDecode(t, data, true)
	})
}

func fuzzDecode(t *testing.T, data []byte, skipCRC bool) {
	dec, err := NewDecoder(bytes.NewReader(data))
	if !audiotest.Accepted(t, err) {
		return
	}
	dec.skipCRC = skipCRC
	info := dec.Info()
	ch := info.Channels()
	if ch < 1 || ch > 8 || info.SampleRate < pcm.MinSampleRate || info.SampleRate > pcm.MaxSampleRate {
		t.Fatalf("info %+v", info)
	}
	for total := 0; total < maxFuzzSamples; {
		b, ok := audiotest.FuzzNext(t, dec, pcm.ErrMalformed)
		if !ok {
			return
		}
		audiotest.CheckBlock(t, b, ch, pcm.MaxBlockFrames)
		ints := dec.Samples()
		for c := range b {
			if len(ints[c]) != len(b[0]) {
				t.Fatalf("%d integer samples in channel %d, %d floats", len(ints[c]), c, len(b[0]))
			}
			for _, v := range b[c] {
				if v < -1 || v > 1 {
					t.Fatalf("sample %v out of range", v)
				}
			}
		}
		total += len(b[0]) * ch
	}
}

// fuzzSeedStreams are small streams with the features flac's own output
// lacks: escaped and 5-bit Rice partitions, wasted bits, verbatim
// subframes, 33-bit side channels, variable block sizes, uncommon sizes
// and rates, a channel mask.
func fuzzSeedStreams() []*testStream {
	x := signal(200, 16, 9)
	y := signal(200, 16, 10)
	w := make([]int64, len(x))
	for i, v := range x {
		w[i] = v &^ 3
	}
	hi, lo := int64(1)<<31-1, int64(-1)<<31
	return []*testStream{
		{rate: 11025, channels: 1, bits: 16, total: -1, variable: true, frames: []testFrame{
			mono(x[:100], subSpec{kind: kindFixed, order: 2, partOrder: 2, escape: []bool{true, false, true, false}, param: -1}),
			mono(x[100:117], subSpec{kind: kindVerbatim}),
			mono(w[117:], subSpec{kind: kindLPC, order: 3, coefs: []int64{300, -100, 20}, precision: 10, shift: 8, wasted: 2, rice2: true, param: -1}),
		}},
		{rate: 37800, channels: 2, bits: 32, total: -1, frames: []testFrame{
			{samples: [][]int64{{hi, lo, 0, hi, 5}, {lo, hi, 0, lo, -5}}, assign: assignMidSide, subs: []subSpec{{kind: kindVerbatim}, {kind: kindVerbatim}}, rateCode: 14},
			{samples: [][]int64{x[:50], y[:50]}, assign: assignRightSide},
		}},
		{rate: 8000, channels: 3, bits: 12, total: -1, comments: []string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x103"}, frames: []testFrame{
			{samples: [][]int64{make([]int64, 40), make([]int64, 40), make([]int64, 40)}, subs: []subSpec{{kind: kindConstant}, {kind: kindConstant}, fixed(0)}, bitsCode: 2},
		}},
	}
}
