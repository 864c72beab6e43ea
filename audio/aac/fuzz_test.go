package aac

import (
	"bytes"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxFuzzSamples caps the output a fuzz input may produce, per channel.
const maxFuzzSamples = 1 << 20

// checkBlock fails unless b is a block of n channels of 1024 finite
// samples.
func checkBlock(t *testing.T, b [][]float32, n int) {
	t.Helper()
	if len(b) != n {
		t.Fatalf("block of %d channels, want %d", len(b), n)
	}
	for _, ch := range b {
		if len(ch) != frameLength {
			t.Fatalf("channel of %d samples", len(ch))
		}
		for _, v := range ch {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("sample %v", v)
			}
		}
	}
}

// FuzzConfig parses arbitrary AudioSpecificConfigs; every config it
// accepts must make a decoder whose layout has the config's channels.
func FuzzConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, asc []byte) {
		c, err := ParseConfig(asc)
		if !audiotest.Accepted(t, err) {
			return
		}
		d, err := NewDecoder(c)
		if err != nil {
			t.Fatalf("ParseConfig accepted %+v, NewDecoder refused it: %v", c, err)
		}
		if len(d.Layout()) != c.Channels || len(c.Layout()) != c.Channels || c.Channels > pcm.MaxChannels {
			t.Fatalf("%d channels, layouts %v and %v", c.Channels, d.Layout(), c.Layout())
		}
		// A frame of the config's bytes must not break the decoder.
		if b, err := d.Decode(asc); audiotest.Accepted(t, err) {
			checkBlock(t, b, c.Channels)
		}
	})
}

// FuzzADTS decodes arbitrary bytes as an ADTS stream.
func FuzzADTS(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewADTSDecoder(bytes.NewReader(data))
		if !audiotest.Accepted(t, err) {
			return
		}
		info := dec.Info()
		n := info.Channels()
		if n < 1 || n > pcm.MaxChannels || info.SampleRate < pcm.MinSampleRate {
			t.Fatalf("info %+v", info)
		}
		for total := 0; total < maxFuzzSamples; total += frameLength {
			b, ok := audiotest.FuzzNext(t, dec, pcm.ErrMalformed, pcm.ErrUnsupported)
			if !ok {
				return
			}
			checkBlock(t, b, n)
		}
		t.Fatalf("more than %d samples from %d bytes", maxFuzzSamples, len(data))
	})
}

// FuzzFrame decodes arbitrary bytes as raw_data_blocks of a 44.1 kHz
// stereo stream: the input, then its second half, then the input again,
// so that the overlap of one frame meets the next.
func FuzzFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		d, err := NewDecoder(Config{ObjectType: 2, SampleRate: 44100, SamplingIndex: 4, Channels: 2, ChannelConfig: 2, FrameLength: 1024})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range [][]byte{frame, frame[len(frame)/2:], frame} {
			if b, err := d.Decode(p); audiotest.Accepted(t, err) {
				checkBlock(t, b, 2)
			}
		}
	})
}
