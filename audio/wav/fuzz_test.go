package wav

import (
	"bytes"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// FuzzDecoder feeds arbitrary bytes to NewDecoder and Next: no panic, no
// error other than the two sentinels, bounded output per call, and every
// block well formed. Seeds: testdata/fuzz/FuzzDecoder and the files below.
func FuzzDecoder(f *testing.F) {
	for _, s := range []wavSpec{
		{tag: 1, channels: 1, rate: 8000, bits: 8},
		{tag: 1, channels: 2, rate: 44100, bits: 16},
		{tag: 1, channels: 6, rate: 48000, bits: 24, extensible: true},
		{tag: 3, channels: 1, rate: 16000, bits: 32},
		{tag: 3, channels: 2, rate: 22050, bits: 64, rf64: true},
		{tag: 6, channels: 1, rate: 8000, bits: 8},
		{tag: 7, channels: 2, rate: 8000, bits: 8, dataSize: -1},
	} {
		data, _ := testSignal(s, 37)
		f.Add(buildWAV(s, data))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := NewDecoder(bytes.NewReader(b))
		if !audiotest.Accepted(t, err) {
			return
		}
		info := d.Info()
		if info.Channels() < 1 || info.Channels() > pcm.MaxChannels || info.SampleRate < pcm.MinSampleRate {
			t.Fatalf("accepted %+v", info)
		}
		total := 0
		for {
			blk, ok := audiotest.FuzzNext(t, d, pcm.ErrMalformed)
			if !ok {
				return
			}
			if len(blk) != info.Channels() || len(blk[0]) == 0 || len(blk[0]) > pcm.MaxBlockFrames {
				t.Fatalf("block of %d channels × %d frames", len(blk), len(blk[0]))
			}
			total += len(blk[0]) * len(blk)
			if total > len(b) {
				t.Fatalf("%d samples out of %d bytes", total, len(b))
			}
		}
	})
}
